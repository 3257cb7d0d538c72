//! The rules of the source tree that the compiler does not check: no two files of `src/` depend
//! on each other, directly or through others, and every integration test binary runs through
//! `tests/common`.
//!
//! A file depends on another when it names an item the other defines: through `use`, or a path
//! starting with `crate::`, `super::` or `self::`. A path through a module's face (`mod.rs` or
//! `lib.rs` re-exporting with `pub use`) counts as naming the file that defines the item; the
//! re-export itself is not a dependency of the face.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use regex::Regex;

type Module = Vec<String>;

struct Tree {
    /// Each file's module path and its text, comments removed.
    files: BTreeMap<Module, (String, String)>,
    /// The names each file defines.
    defines: BTreeMap<Module, BTreeSet<String>>,
    /// The names each face re-exports, and the path each stands for.
    reexports: BTreeMap<Module, BTreeMap<String, Module>>,
}

fn module_of(rel: &Path) -> Option<Module> {
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if parts.is_empty() && stem == "main" {
        return None;
    }
    if !matches!(stem, "mod" | "lib") {
        parts.push(stem.to_string());
    }
    Some(parts)
}

fn strip_comments(text: &str) -> String {
    let line_comment = Regex::new(r"//[^\n]*").unwrap();
    line_comment.replace_all(text, "").into_owned()
}

/// The paths one `use` tree stands for: `a::{b, c::{d, e as f}}` is `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    fn walk(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if let (Some(open), true) = (tree.find('{'), tree.ends_with('}')) {
            let mut base = prefix.to_vec();
            base.extend(segments(tree[..open].trim_end_matches(':')));
            let body = &tree[open + 1..tree.len() - 1];
            let (mut depth, mut start) = (0, 0);
            for (i, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        walk(&base, &body[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            walk(&base, &body[start..], out);
        } else if !tree.is_empty() {
            let path = tree.split(" as ").next().unwrap_or(tree);
            let mut full = prefix.to_vec();
            full.extend(segments(path));
            out.push(full);
        }
    }
    let mut out = Vec::new();
    walk(
        &[],
        &tree.split_whitespace().collect::<Vec<_>>().join(" "),
        &mut out,
    );
    out
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Tree {
    fn read(src: &Path) -> Self {
        let mut files = BTreeMap::new();
        for entry in walkdir::WalkDir::new(src) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(src).unwrap();
            if let Some(module) = module_of(rel) {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                files.insert(module, (rel.display().to_string(), strip_comments(&text)));
            }
        }
        let item = Regex::new(
            r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:unsafe|async|const|extern)\s+)*(?:fn|struct|enum|trait|type|const|static|mod|union)\s+(\w+)|macro_rules!\s*(\w+)",
        )
        .unwrap();
        let defines = files
            .iter()
            .map(|(m, (_, text))| {
                let names = item
                    .captures_iter(text)
                    .filter_map(|c| c.get(1).or_else(|| c.get(2)))
                    .map(|n| n.as_str().to_string())
                    .collect();
                (m.clone(), names)
            })
            .collect();
        let mut tree = Self {
            files,
            defines,
            reexports: BTreeMap::new(),
        };
        let mut reexports: BTreeMap<Module, BTreeMap<String, Module>> = BTreeMap::new();
        for (module, (_, text)) in &tree.files {
            for (_, public, body) in uses(text) {
                if !public {
                    continue;
                }
                for path in expand_use(&body) {
                    if let Some(abs) = tree.absolute(module, &path)
                        && let Some(last) = abs.last()
                        && last != "*"
                    {
                        let name = body
                            .rsplit_once(" as ")
                            .filter(|_| expand_use(&body).len() == 1)
                            .map_or(last.clone(), |(_, alias)| alias.trim().to_string());
                        reexports
                            .entry(module.clone())
                            .or_default()
                            .insert(name, abs);
                    }
                }
            }
        }
        tree.reexports = reexports;
        tree
    }

    /// `path` as seen from `module`, from the crate root; `None` for a path outside the crate.
    fn absolute(&self, module: &Module, path: &[String]) -> Option<Module> {
        let first = path.first()?;
        if first == "crate" {
            return Some(path[1..].to_vec());
        }
        let mut base = module.clone();
        let mut rest = path;
        if first == "super" || first == "self" {
            while let Some(head) = rest.first() {
                match head.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        } else {
            let mut child = base.clone();
            child.push(first.clone());
            if !self.files.contains_key(&child) {
                return None;
            }
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` names.
    fn resolve(&self, path: &[String], hops: usize) -> Module {
        let path: Vec<&String> = path.iter().filter(|s| *s != "*").collect();
        let mut module: Module = Vec::new();
        let mut i = 0;
        while i < path.len() {
            let mut next = module.clone();
            next.push(path[i].clone());
            if !self.files.contains_key(&next) {
                break;
            }
            module = next;
            i += 1;
        }
        if let Some(name) = path.get(i)
            && hops < 10
            && !self.defines[&module].contains(*name)
            && let Some(target) = self.reexports.get(&module).and_then(|r| r.get(*name))
        {
            let mut rest = target.clone();
            rest.extend(path[i + 1..].iter().map(|s| (*s).clone()));
            return self.resolve(&rest, hops + 1);
        }
        module
    }

    fn dependencies(&self) -> BTreeMap<Module, BTreeSet<Module>> {
        let inline_path = Regex::new(r"\b(?:crate|super|self)(?:::\w+)+").unwrap();
        let use_statement = Regex::new(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+[^;]+;").unwrap();
        let mut deps = BTreeMap::new();
        for (module, (rel, text)) in &self.files {
            let face = rel.ends_with("mod.rs") || rel == "lib.rs";
            let inline = inline_modules(text);
            // Each path with the module it is written in: the file's, or an inline `mod x { }`'s.
            let within = |at: usize| {
                let mut m = module.clone();
                m.extend(
                    inline
                        .iter()
                        .filter(|(_, span)| span.contains(&at))
                        .map(|(name, _)| name.clone()),
                );
                m
            };
            let mut paths = Vec::new();
            for (at, public, body) in uses(text) {
                if face && public {
                    continue;
                }
                paths.extend(expand_use(&body).into_iter().map(|p| (within(at), p)));
            }
            for m in inline_path.find_iter(text) {
                let inside_use = use_statement
                    .find_iter(text)
                    .any(|u| u.start() <= m.start() && m.end() <= u.end());
                if !inside_use {
                    paths.push((within(m.start()), segments(m.as_str())));
                }
            }
            let mut mine = BTreeSet::new();
            for (written_in, path) in paths {
                if let Some(abs) = self.absolute(&written_in, &path) {
                    let file = self.resolve(&abs, 0);
                    if &file != module && self.files.contains_key(&file) {
                        mine.insert(file);
                    }
                }
            }
            deps.insert(module.clone(), mine);
        }
        deps
    }

    fn name(&self, module: &Module) -> &str {
        &self.files[module].0
    }
}

/// Each `use` statement: where it starts, whether it re-exports (any `pub`), and its tree.
fn uses(text: &str) -> Vec<(usize, bool, String)> {
    let re = Regex::new(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);").unwrap();
    re.captures_iter(text)
        .map(|c| {
            // `pub use` and `pub(crate) use` alike: a re-export, visible or not outside the crate.
            let public = c.get(1).is_some();
            (c.get(0).unwrap().start(), public, c[2].to_string())
        })
        .collect()
}

/// The inline modules of a file (`mod tests { … }`), each with the span of its body.
fn inline_modules(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let re = Regex::new(r"\bmod\s+(\w+)\s*\{").unwrap();
    let bytes = text.as_bytes();
    re.captures_iter(text)
        .filter_map(|c| {
            let open = c.get(0).unwrap().end();
            let end = block_end(bytes, open)?;
            Some((c[1].to_string(), open..end))
        })
        .collect()
}

/// Where the block whose body starts at `open` ends: braces are counted outside string and
/// character literals.
fn block_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 1;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            // A raw string: r"…", r#"…"#.
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    let from = i + 2 + hashes;
                    i = bytes[from..]
                        .windows(close.len())
                        .position(|w| w == close.as_slice())
                        .map_or(bytes.len(), |p| from + p + close.len());
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // '{', '\'', '\u{7b}'; a lifetime ('a) has no closing quote two or three bytes on.
            b'\'' => {
                if bytes.get(i + 2) == Some(&b'\'') {
                    i += 2;
                } else if bytes.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The strongly connected components with more than one file (Tarjan).
fn cycles(deps: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        deps: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.deps[v] {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        deps,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in deps.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn describe(
    tree: &Tree,
    deps: &BTreeMap<Module, BTreeSet<Module>>,
    found: &[Vec<Module>],
) -> String {
    let mut out = String::new();
    for component in found {
        let members: BTreeSet<&Module> = component.iter().collect();
        let mut names: Vec<&str> = component.iter().map(|m| tree.name(m)).collect();
        names.sort_unstable();
        let _ = writeln!(out, "cycle: {}", names.join(", "));
        for from in component {
            for to in deps[from].iter().filter(|m| members.contains(m)) {
                let _ = writeln!(out, "  {} -> {}", tree.name(from), tree.name(to));
            }
        }
    }
    out
}

#[test]
fn no_two_files_of_src_depend_on_each_other() {
    let tree = Tree::read(&common::repo_root().join("src"));
    let deps = tree.dependencies();
    let found = cycles(&deps);
    assert!(
        found.is_empty(),
        "file cycles in src/:\n{}",
        describe(&tree, &deps, &found)
    );
}

#[test]
fn the_cycle_check_finds_a_cycle_and_sees_through_a_face() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    common::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\nmod c;\npub use c::Thing;\n",
    );
    common::write(
        src.join("a.rs"),
        "use crate::b::two;\npub fn one() { two() }\n",
    );
    common::write(src.join("b.rs"), "pub fn two() { super::a::one() }\n");
    // c's face re-exports its child: naming `crate::Thing` from d is a dependency on c/thing.rs
    // only, and the face's own re-export is not an edge back.
    common::write(
        src.join("c/mod.rs"),
        "mod thing;\npub use thing::Thing;\npub fn helper() {}\n",
    );
    common::write(src.join("c/thing.rs"), "pub struct Thing;\n");
    common::write(src.join("d.rs"), "use crate::Thing;\n");
    let tree = Tree::read(src);
    let deps = tree.dependencies();
    let found = cycles(&deps);
    let text = describe(&tree, &deps, &found);
    assert_eq!(
        text, "cycle: a.rs, b.rs\n  b.rs -> a.rs\n  a.rs -> b.rs\n",
        "{text}"
    );
    let d = tree.dependencies()[&vec!["d".to_string()]].clone();
    assert_eq!(
        d,
        BTreeSet::from([vec!["c".to_string(), "thing".to_string()]])
    );
    // A child that uses what its face defines depends on the face, and that is a cycle only when
    // the face depends back on it through something other than a re-export.
    common::write(
        src.join("c/thing.rs"),
        "pub struct Thing;\nfn f() { super::helper() }\n",
    );
    let tree = Tree::read(src);
    assert!(cycles(&tree.dependencies()).len() == 1, "only a<->b");
}

#[test]
fn every_integration_test_binary_runs_through_tests_common() {
    let tests = common::repo_root().join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let main = if path.is_dir() {
            path.join("main.rs")
        } else if path.extension().is_some_and(|e| e == "rs") {
            path.clone()
        } else {
            continue;
        };
        if !main.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&main).unwrap();
        // The binary's own modules: a directory beside `NAME.rs`, or the one holding `main.rs`.
        let own = if path.is_dir() {
            path.clone()
        } else {
            path.with_extension("")
        };
        let mut all = text.clone();
        if own.is_dir() {
            for file in walkdir::WalkDir::new(&own)
                .into_iter()
                .filter_map(Result::ok)
            {
                if file.path().extension().is_some_and(|e| e == "rs") {
                    all.push_str(&std::fs::read_to_string(file.path()).unwrap());
                }
            }
        }
        let declares = text.lines().any(|l| {
            let l = l.trim();
            l == "mod common;" || (l.starts_with("#[path = \"") && l.contains("common/mod.rs"))
        });
        let uses = all.contains("common::") || all.contains("cmd_snapshot!");
        if !(declares && uses) {
            missing.push(main.strip_prefix(&tests).unwrap().display().to_string());
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "test binaries not using tests/common: {missing:?}"
    );
}
