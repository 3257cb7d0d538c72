//! Project evidence, looked at once per session on the first prompt: what kind of project the
//! hook's `cwd` is (from its manifests), whether its declared dependencies are installed where
//! that can be seen, and whether the files `evidence.yaml` requires are there. Claude hears about
//! it only when something is missing; nothing here ever blocks.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{ConfigFile, Diagnostic};
use crate::util::read::Kind;

/// Largest manifest read for evidence (`package.json`, `pyproject.toml`, …).
const MANIFEST_BYTES: u64 = 1024 * 1024;

/// `evidence.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct EvidenceConfig {
    /// Look at the project at all.
    pub enabled: bool,
    /// Report declared dependencies that are not installed.
    pub dependencies: bool,
    /// Files every project should have; `a|b` means either will do.
    pub required: Vec<String>,
    /// Files a project of a kind should have, by kind (`node`, `python`, `rust`, …).
    pub kinds: BTreeMap<String, KindRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct KindRule {
    pub required: Vec<String>,
}

impl Default for EvidenceConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            dependencies: true,
            required: Vec::new(),
            kinds: BTreeMap::new(),
        }
    }
}

/// The config file's name.
pub(crate) const FILE: &str = "evidence.yaml";

/// Project kinds and the manifests that show them.
const KINDS: [(&str, &[&str]); 11] = [
    ("node", &["package.json"]),
    (
        "python",
        &[
            "pyproject.toml",
            "setup.py",
            "setup.cfg",
            "requirements.txt",
            "Pipfile",
        ],
    ),
    ("rust", &["Cargo.toml"]),
    ("go", &["go.mod"]),
    ("java-maven", &["pom.xml"]),
    ("java-gradle", &["build.gradle", "build.gradle.kts"]),
    ("ruby", &["Gemfile"]),
    ("php", &["composer.json"]),
    ("elixir", &["mix.exs"]),
    ("dart", &["pubspec.yaml"]),
    ("swift", &["Package.swift"]),
];

/// What was found in one project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Findings {
    pub root: PathBuf,
    pub kinds: Vec<&'static str>,
    /// Declared dependencies not installed, one sentence each.
    pub dependencies: Vec<String>,
    /// Required entries (`a|b`) none of whose alternatives exists.
    pub missing: Vec<String>,
}

impl Findings {
    pub(super) fn is_clean(&self) -> bool {
        self.dependencies.is_empty() && self.missing.is_empty()
    }
}

/// `evidence.yaml` for [`crate::config::load`]: every layer merged key by key.
impl ConfigFile for EvidenceConfig {
    const FILE: &'static str = FILE;
    type Doc = Self;

    fn assemble(docs: Vec<(Self, String)>, _: &mut Vec<Diagnostic>) -> Self {
        crate::config::merged(docs)
    }
}

/// Looks at `root` as `config` says.
pub(super) fn examine(root: &Path, config: &EvidenceConfig) -> Findings {
    let kinds: Vec<&'static str> = KINDS
        .iter()
        .filter(|(_, files)| files.iter().any(|f| root.join(f).is_file()))
        .map(|(kind, _)| *kind)
        .collect();
    let mut findings = Findings {
        root: root.to_path_buf(),
        kinds: kinds.clone(),
        ..Findings::default()
    };
    if config.dependencies {
        for kind in &kinds {
            if let Some(problem) = dependencies(root, kind) {
                findings.dependencies.push(problem);
            }
        }
    }
    let required = config.required.iter().chain(
        kinds
            .iter()
            .filter_map(|k| config.kinds.get(*k))
            .flat_map(|rule| rule.required.iter()),
    );
    for entry in required {
        let alternatives: Vec<&str> = entry
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let present = alternatives.iter().any(|alt| root.join(alt).exists());
        if !alternatives.is_empty() && !present && !findings.missing.contains(entry) {
            findings.missing.push(entry.clone());
        }
    }
    findings
}

/// Declared but not installed dependencies of one kind, as a sentence.
fn dependencies(root: &Path, kind: &str) -> Option<String> {
    match kind {
        "node" => {
            let count = json_keys(
                &root.join("package.json"),
                &["dependencies", "devDependencies"],
                &[],
            );
            let installed = root.join("node_modules").is_dir() || root.join(".pnp.cjs").is_file();
            (count > 0 && !installed).then(|| {
                format!("package.json declares {} and there is no node_modules/: they are not installed", deps(count))
            })
        }
        "php" => {
            let count = json_keys(
                &root.join("composer.json"),
                &["require", "require-dev"],
                &["php"],
            );
            (count > 0 && !root.join("vendor").is_dir()).then(|| {
                format!(
                    "composer.json declares {} and there is no vendor/: they are not installed",
                    deps(count)
                )
            })
        }
        "python" => {
            let declared = python_declares_dependencies(root);
            let venv = [".venv", "venv", "env"]
                .iter()
                .any(|d| root.join(d).join("pyvenv.cfg").is_file());
            // An environment manager keeps its environments where it likes (poetry, pipenv,
            // conda, tox, hatch outside the project): a missing .venv/ says nothing there.
            (declared.is_some() && !venv && !python_env_managed(root)).then(|| {
                format!(
                    "{} declares dependencies and the project has no virtualenv (.venv/ or venv/): they may not be installed",
                    declared.unwrap_or_default()
                )
            })
        }
        "ruby" => (!root.join("Gemfile.lock").is_file()).then(|| {
            "there is a Gemfile but no Gemfile.lock: `bundle install` has not run".to_owned()
        }),
        _ => None,
    }
}

fn deps(count: usize) -> String {
    if count == 1 {
        "1 dependency".to_owned()
    } else {
        format!("{count} dependencies")
    }
}

/// How many keys the objects `fields` of a JSON file hold, leaving out `except` and `ext-*`.
fn json_keys(path: &Path, fields: &[&str], except: &[&str]) -> usize {
    let Some(bytes) = crate::util::read::bytes(path, Kind::MANIFEST.capped(MANIFEST_BYTES)) else {
        return 0;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return 0;
    };
    fields
        .iter()
        .filter_map(|f| value.get(f).and_then(serde_json::Value::as_object))
        .flat_map(|obj| obj.keys())
        .filter(|k| !except.contains(&k.as_str()) && !k.starts_with("ext-"))
        .count()
}

/// Files that show a Python environment manager at work: uv, poetry, pdm, hatch, conda, tox,
/// pyenv, pipenv.
const PYTHON_MANAGER_FILES: &[&str] = &[
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "hatch.toml",
    "environment.yml",
    "environment.yaml",
    "conda-lock.yml",
    "tox.ini",
    ".python-version",
    "Pipfile",
    "Pipfile.lock",
];
/// `pyproject.toml` tables of the same managers.
const PYTHON_MANAGER_TABLES: &[&str] = &[
    "[tool.uv",
    "[tool.poetry",
    "[tool.pdm",
    "[tool.hatch",
    "[tool.tox",
    "[tool.pixi",
];

/// Whether an environment manager looks after the project's Python environment.
fn python_env_managed(root: &Path) -> bool {
    if PYTHON_MANAGER_FILES.iter().any(|f| root.join(f).exists()) {
        return true;
    }
    crate::util::read::bytes(
        &root.join("pyproject.toml"),
        Kind::MANIFEST.capped(MANIFEST_BYTES),
    )
    .is_some_and(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim_start)
            .any(|l| PYTHON_MANAGER_TABLES.iter().any(|t| l.starts_with(t)))
    })
}

/// The file that declares Python dependencies, if any does: a `requirements.txt` with a
/// requirement, or a `pyproject.toml` with a non-empty `dependencies = [...]` list or a Poetry
/// dependency other than `python`.
fn python_declares_dependencies(root: &Path) -> Option<&'static str> {
    let read = |name: &str| {
        crate::util::read::bytes(&root.join(name), Kind::MANIFEST.capped(MANIFEST_BYTES))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    if read("requirements.txt").is_some_and(|text| {
        text.lines()
            .map(str::trim)
            .any(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
    }) {
        return Some("requirements.txt");
    }
    let text = read("pyproject.toml")?;
    let mut in_poetry = false;
    let mut lines = text.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if line.starts_with('[') {
            in_poetry = line == "[tool.poetry.dependencies]";
            continue;
        }
        if in_poetry && !line.is_empty() && !line.starts_with('#') && !line.starts_with("python") {
            return Some("pyproject.toml");
        }
        if let Some(rest) = line.strip_prefix("dependencies") {
            let rest = rest.trim_start();
            let Some(list) = rest.strip_prefix('=') else {
                continue;
            };
            let mut list = list.trim().to_owned();
            while !list.contains(']') {
                match lines.next() {
                    Some(next) => list.push_str(next),
                    None => break,
                }
            }
            let inside = list.trim_start_matches('[').split(']').next().unwrap_or("");
            if inside.contains('"') || inside.contains('\'') {
                return Some("pyproject.toml");
            }
        }
    }
    None
}

/// The note for Claude, or `None` when nothing is missing.
pub(super) fn report(findings: &Findings, show: &dyn Fn(&Path) -> String) -> Option<String> {
    if findings.is_clean() {
        return None;
    }
    let kinds = if findings.kinds.is_empty() {
        "no known manifest".to_owned()
    } else {
        findings.kinds.join(", ")
    };
    let mut text = format!(
        "Project evidence for {} ({kinds}), checked at the first prompt of this session:",
        show(&findings.root)
    );
    for problem in &findings.dependencies {
        let _ = write!(text, "\n- dependencies: {problem}.");
    }
    for entry in &findings.missing {
        let shown = entry
            .split('|')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" or ");
        let _ = write!(text, "\n- missing file required by evidence.yaml: {shown}.");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, name: &str, text: &str) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn node_without_modules_and_lockfile() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "package.json",
            r#"{"dependencies": {"a": "1"}, "devDependencies": {"b": "2"}}"#,
        );
        let mut config = EvidenceConfig::default();
        config.kinds.insert(
            "node".into(),
            KindRule {
                required: vec!["package-lock.json | yarn.lock".into()],
            },
        );
        let f = examine(root, &config);
        assert_eq!(f.kinds, ["node"]);
        assert_eq!(f.dependencies.len(), 1);
        assert!(f.dependencies[0].contains("declares 2 dependencies"));
        assert_eq!(f.missing, ["package-lock.json | yarn.lock"]);
        let text = report(&f, &|p: &Path| p.display().to_string()).unwrap();
        assert!(
            text.contains(
                "missing file required by evidence.yaml: package-lock.json or yarn.lock."
            )
        );
        std::fs::create_dir(root.join("node_modules")).unwrap();
        write(root, "yarn.lock", "");
        assert!(examine(root, &config).is_clean());
    }

    #[test]
    fn python_dependencies_need_a_virtualenv() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "pyproject.toml",
            "[project]\nname = \"x\"\ndependencies = []\n",
        );
        assert!(
            examine(root, &EvidenceConfig::default()).is_clean(),
            "no dependencies declared"
        );
        write(
            root,
            "pyproject.toml",
            "[project]\nname = \"x\"\ndependencies = [\n  \"requests>=2\",\n]\n",
        );
        let f = examine(root, &EvidenceConfig::default());
        assert_eq!(f.kinds, ["python"]);
        assert!(f.dependencies[0].starts_with("pyproject.toml declares dependencies"));
        write(root, ".venv/pyvenv.cfg", "home = /usr/bin\n");
        assert!(examine(root, &EvidenceConfig::default()).is_clean());
    }

    #[test]
    fn a_python_environment_manager_silences_the_virtualenv_notice() {
        let deps = "[project]\nname = \"x\"\ndependencies = [\"requests\"]\n";
        let managed: &[(&str, &str)] = &[
            ("uv.lock", ""),
            ("poetry.lock", ""),
            ("pdm.lock", ""),
            ("hatch.toml", ""),
            ("environment.yml", "name: x\n"),
            ("tox.ini", "[tox]\n"),
            (".python-version", "3.12\n"),
        ];
        for (file, text) in managed {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), "pyproject.toml", deps);
            assert!(!examine(dir.path(), &EvidenceConfig::default()).is_clean());
            write(dir.path(), file, text);
            assert!(
                examine(dir.path(), &EvidenceConfig::default()).is_clean(),
                "{file}"
            );
        }
        for table in [
            "[tool.uv]",
            "[tool.poetry]",
            "[tool.hatch.envs.default]",
            "[tool.tox]",
        ] {
            let dir = tempfile::tempdir().unwrap();
            write(
                dir.path(),
                "pyproject.toml",
                &format!("{deps}\n{table}\nx = 1\n"),
            );
            assert!(
                examine(dir.path(), &EvidenceConfig::default()).is_clean(),
                "{table}"
            );
        }
    }

    #[test]
    fn a_rust_crate_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "Cargo.toml", "[package]\n");
        let f = examine(root, &EvidenceConfig::default());
        assert_eq!(f.kinds, ["rust"]);
        assert!(f.is_clean());
    }
}
