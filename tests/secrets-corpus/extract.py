#!/usr/bin/env python3
"""Builds the public part of the labelled secrets corpus from the test data of gitleaks,
detect-secrets and secretlint, read from bare git directories of those projects.

    python3 tests/secrets-corpus/extract.py GITLEAKS_GIT DETECT_SECRETS_GIT SECRETLINT_GIT [OUT]

OUT defaults to tests/secrets-corpus/public. Every sample becomes one file; OUT/SOURCES.tsv gives
for each file its label (secret or clean), its kind, the project, path and commit it came from,
and the project's own label:

- gitleaks: the true positives (`tps`) and false positives (`fps`) of each rule in
  cmd/generate/config/rules/*.go. String literals are taken as they are; values gitleaks draws at
  random (`secrets.NewSecret(regex)`) are drawn here from the same regex with a fixed seed;
  `GenerateSampleSecrets(id, secret)` becomes its first form, `id_api_token = "secret"`. Samples
  built any other way (fmt.Sprintf, helper functions) are left out.
- detect-secrets: the `(payload, should_flag)` cases of tests/plugins/*_test.py and the files
  of test_data/ its tests expect findings (or none) in.
- secretlint: the snapshot inputs of each rule (`ng.*`: secret, `ok.*`: clean, as the snapshot's
  output.json confirms); snapshots that need a rule option are left out.

Only the rules for kinds sfp claims to recognise are taken (KINDS below). One relabelling is
applied to upstream positives, and recorded in the note column with the upstream label kept:
one whose random part is one character repeated (`AKIAZZZZZZZZZZZZZZZZ`), or a short sample
whose URL password is literally `pass` or `password` (`https://user:pass@example.com`), tests a
pattern's shape and is a placeholder by sfp's definition.

detect-secrets' whole test_data files hold several kinds each: their kind is `mixed`.
"""
import ast
import json
import os
import random
import re
import subprocess
import sys

R = random.Random(11)

# gitleaks rule file → kind
GITLEAKS = {
    "github": "github", "gitlab": "gitlab", "slack": "slack", "stripe": "stripe",
    "sendgrid": "sendgrid", "twilio": "twilio", "npm": "npm", "pypi": "pypi", "aws": "aws",
    "gcp": "gcp", "azure": "azure", "anthropic": "anthropic", "openai": "openai",
    "huggingface": "huggingface", "privatekey": "private-key", "jwt": "jwt", "curl": "curl",
    "generic": "generic", "telegram": "telegram", "mailchimp": "mailchimp", "shopify": "shopify",
    "digitalocean": "digitalocean", "databricks": "databricks", "postman": "postman",
    "square": "square",
}
# detect-secrets plugin test → kind
DETECT_SECRETS = {
    "aws_key": "aws", "azure_storage_key": "azure", "basic_auth": "url-password",
    "github_token": "github", "gitlab_token": "gitlab", "jwt": "jwt", "keyword": "generic",
    "npm": "npm", "openai": "openai", "private_key": "private-key", "pypi_token": "pypi",
    "sendgrid": "sendgrid", "slack": "slack", "stripe_key": "stripe", "twilio": "twilio",
    "mailchimp_key": "mailchimp", "telegram_token": "telegram", "square_oauth": "square",
}
# detect-secrets test_data files its tests expect findings in (True) or not (False)
DETECT_SECRETS_FILES = {
    "test_data/each_secret.py": True,
    "test_data/files/file_with_secrets.py": True,
    "test_data/files/file_with_no_secrets.py": False,
    "test_data/files/private_key": True,
    "test_data/config.env": True,
    "test_data/config.ini": True,
    "test_data/config.yaml": True,
    "test_data/config.md": True,
    "test_data/short_files/first_line.php": True,
    "test_data/short_files/last_line.ini": True,
    "test_data/short_files/middle_line.yml": True,
    "test_data/only_comments.yaml": False,
}
# secretlint rule package → kind
SECRETLINT = {
    "anthropic": "anthropic", "aws": "aws", "azure": "azure", "basicauth": "url-password",
    "database-connection-string": "url-password", "databricks": "databricks", "gcp": "gcp",
    "github": "github", "gitlab": "gitlab", "huggingface": "huggingface", "npm": "npm",
    "openai": "openai", "privatekey": "private-key", "sendgrid": "sendgrid", "shopify": "shopify",
    "slack": "slack", "stripe": "stripe",
}


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True,
                          capture_output=True).stdout


def head(repo):
    return git(repo, "rev-parse", "HEAD").decode().strip()


def show(repo, commit, path):
    return git(repo, "show", f"{commit}:{path}")


def ls(repo, commit, prefix):
    out = git(repo, "ls-tree", "-r", "--name-only", commit, "--", prefix).decode()
    return [l for l in out.splitlines() if l]


# ---- a regex → random string generator for the simple regexes gitleaks draws from ----

class Unsupported(Exception):
    pass


def gen_regex(pattern):
    pos = 0

    def parse_alt():
        nonlocal pos
        branches = [parse_seq()]
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            branches.append(parse_seq())
        return ("alt", branches)

    def parse_seq():
        nonlocal pos
        items = []
        while pos < len(pattern) and pattern[pos] not in "|)":
            atom = parse_atom()
            items.append(parse_quant(atom))
        return ("seq", items)

    def parse_class():
        nonlocal pos
        pos += 1
        negate = pattern[pos] == "^"
        if negate:
            raise Unsupported("negated class")
        chars = []
        first = True
        while pos < len(pattern) and (pattern[pos] != "]" or first):
            first = False
            c = pattern[pos]
            if c == "\\":
                pos += 1
                e = pattern[pos]
                chars.extend(escape_set(e))
                pos += 1
                continue
            if pos + 2 < len(pattern) and pattern[pos + 1] == "-" and pattern[pos + 2] != "]":
                lo, hi = c, pattern[pos + 2]
                chars.extend(chr(x) for x in range(ord(lo), ord(hi) + 1))
                pos += 3
                continue
            chars.append(c)
            pos += 1
        pos += 1
        return ("set", chars)

    def escape_set(e):
        if e == "d":
            return list("0123456789")
        if e == "w":
            return list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        if e == "s":
            return [" "]
        if e.isalnum():
            raise Unsupported("escape " + e)
        return [e]

    def parse_atom():
        nonlocal pos
        c = pattern[pos]
        if c == "[":
            return parse_class()
        if c == "(":
            pos += 1
            if pattern.startswith("?:", pos):
                pos += 2
            elif pattern.startswith("?", pos):
                raise Unsupported("group flag")
            node = parse_alt()
            if pos >= len(pattern) or pattern[pos] != ")":
                raise Unsupported("unclosed group")
            pos += 1
            return node
        if c == "\\":
            pos += 2
            return ("set", escape_set(pattern[pos - 1]))
        if c in "^$":
            pos += 1
            return ("seq", [])
        if c == ".":
            pos += 1
            return ("set", list("abcdefghijklmnopqrstuvwxyz0123456789"))
        pos += 1
        return ("set", [c])

    def parse_quant(atom):
        nonlocal pos
        if pos >= len(pattern):
            return atom
        c = pattern[pos]
        lo = hi = 1
        if c == "{":
            end = pattern.index("}", pos)
            spec = pattern[pos + 1:end]
            pos = end + 1
            if "," in spec:
                a, b = spec.split(",")
                lo = int(a)
                hi = int(b) if b else lo + 8
            else:
                lo = hi = int(spec)
        elif c == "?":
            pos += 1
            lo, hi = 0, 1
        elif c == "*":
            pos += 1
            lo, hi = 0, 6
        elif c == "+":
            pos += 1
            lo, hi = 1, 8
        else:
            return atom
        if pos < len(pattern) and pattern[pos] == "?":
            pos += 1
        return ("rep", atom, lo, hi)

    def emit(node):
        kind = node[0]
        if kind == "set":
            return R.choice(node[1])
        if kind == "seq":
            return "".join(emit(n) for n in node[1])
        if kind == "alt":
            return emit(R.choice(node[1]))
        if kind == "rep":
            return "".join(emit(node[1]) for _ in range(R.randint(node[2], node[3])))
        raise Unsupported(kind)

    tree = parse_alt()
    if pos != len(pattern):
        raise Unsupported("trailing")
    return emit(tree)


UTILS = {
    "Numeric": "[0-9]{%s}", "Hex": "[a-f0-9]{%s}", "AlphaNumeric": "[a-z0-9]{%s}",
    "AlphaNumericExtendedShort": "[a-z0-9_-]{%s}", "AlphaNumericExtended": "[a-z0-9=_\\-]{%s}",
    "AlphaNumericExtendedLong": "[a-z0-9\\/=_\\+\\-]{%s}",
}

# ---- a small parser for the Go expressions that build gitleaks' samples ----

TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<raw>`[^`]*`)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<num>\d+)
  | (?P<punct>\.\.\.|[()\[\]{},+:=])
  | (?P<other>.)
""", re.S | re.X)


def go_string(tok):
    if tok.startswith("`"):
        return tok[1:-1]
    return json.loads(tok) if "\\x" not in tok else bytes(tok[1:-1], "utf-8").decode("unicode_escape")


class Parser:
    def __init__(self, toks):
        self.t = toks
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else ("eof", "")

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value):
        tok = self.take()
        if tok[1] != value:
            raise Unsupported(f"expected {value}, got {tok[1]}")

    def skip_balanced(self):
        depth = 0
        while self.peek()[0] != "eof":
            k, v = self.take()
            if v in "([{":
                depth += 1
            elif v in ")]}":
                depth -= 1
                if depth <= 0:
                    return

    def list_expr(self):
        """An expression that is a list of samples; None elements could not be evaluated."""
        k, v = self.peek()
        if v == "[":
            self.take()
            self.expect("]")
            self.expect("string")
            return self.composite(pairs=False)
        if v == "map":
            self.take()
            self.expect("[")
            self.expect("string")
            self.expect("]")
            self.expect("string")
            return self.composite(pairs=True)
        if v == "append":
            self.take()
            self.expect("(")
            self.take()  # the list appended to
            out = []
            while self.peek()[1] == ",":
                self.take()
                if self.peek()[1] == ")":
                    break
                out.extend(self.element_or_list())
            if self.peek()[1] == "...":
                self.take()
            self.expect(")")
            return out
        if v in ("utils.GenerateSampleSecrets", "utils.GenerateSampleSecret"):
            return [self.sample()]
        raise Unsupported("list " + v)

    def element_or_list(self):
        k, v = self.peek()
        if v in ("utils.GenerateSampleSecrets", "utils.GenerateSampleSecret"):
            out = [self.sample()]
            if self.peek()[1] == "...":
                self.take()
            return out
        start = self.i
        try:
            return [self.expr()]
        except Unsupported:
            self.i = start
            self.skip_element()
            return [None]

    def skip_element(self):
        depth = 0
        while self.peek()[0] != "eof":
            v = self.peek()[1]
            if depth == 0 and v in (",", ")", "}"):
                return
            if v in "([{":
                depth += 1
            elif v in ")]}":
                depth -= 1
            self.take()

    def composite(self, pairs):
        self.expect("{")
        out = []
        while self.peek()[1] != "}":
            if pairs:
                start = self.i
                try:
                    self.expr()
                    self.expect(":")
                except Unsupported:
                    self.i = start
                    self.skip_element()
                    if self.peek()[1] == ",":
                        self.take()
                    continue
            out.extend(self.element_or_list())
            if self.peek()[1] == ",":
                self.take()
        self.expect("}")
        return out

    def sample(self):
        self.take()
        self.expect("(")
        ident = self.expr()
        self.expect(",")
        start = self.i
        try:
            secret = self.expr()
        except Unsupported:
            self.i = start
            self.skip_element()
            secret = None
        self.expect(")")
        return None if secret is None else f'{ident}_api_token = "{secret}"'

    def expr(self):
        value = self.term()
        while self.peek()[1] == "+":
            self.take()
            value += self.term()
        return value

    def term(self):
        k, v = self.take()
        if k in ("raw", "str"):
            return go_string(v)
        if v == "secrets.NewSecret":
            self.expect("(")
            arg = self.regex_arg()
            self.expect(")")
            return gen_regex(arg)
        raise Unsupported("term " + v)

    def regex_arg(self):
        k, v = self.take()
        if k in ("raw", "str"):
            return go_string(v)
        name = v.removeprefix("utils.")
        if name == "Hex8_4_4_4_12":
            self.expect("(")
            self.expect(")")
            return "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if name in UTILS:
            self.expect("(")
            size = go_string(self.take()[1])
            self.expect(")")
            return UTILS[name] % size
        raise Unsupported("regex " + v)


def tokens(src):
    out = []
    for m in TOKEN.finditer(src):
        kind = m.lastgroup
        if kind == "ws":
            continue
        out.append((kind, m.group()))
    return out


def gitleaks_samples(src):
    """(label, text) pairs of every tps/fps list in a rule file."""
    toks = tokens(src)
    out = []
    for i, (k, v) in enumerate(toks):
        if v not in ("tps", "fps") or i + 1 >= len(toks):
            continue
        if toks[i + 1][1] not in ("=", ":") or (toks[i + 1][1] == ":" and toks[i + 2][1] != "="):
            continue
        j = i + (3 if toks[i + 1][1] == ":" else 2)
        p = Parser(toks)
        p.i = j
        try:
            items = p.list_expr()
        except (Unsupported, ValueError, IndexError):
            continue
        label = "secret" if v == "tps" else "clean"
        out.extend((label, s) for s in items if s)
    return out


# ---- writing ----

class Corpus:
    def __init__(self, out):
        self.out = out
        self.rows = []
        self.seen = set()

    def add(self, label, kind, source, path, commit, upstream, text, ext="txt", note=""):
        if isinstance(text, str):
            text = text.encode()
        key = (label, text)
        if key in self.seen or not text.strip():
            return
        self.seen.add(key)
        name = f"{source}/{kind}/{label}-{len([r for r in self.rows if r[0].startswith(f'{source}/{kind}/')]):04d}.{ext}"
        full = os.path.join(self.out, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(text)
        self.rows.append((name, label, kind, source, path, commit, upstream, note))

    def write(self):
        with open(os.path.join(self.out, "SOURCES.tsv"), "w") as f:
            f.write("file\tlabel\tkind\tproject\tpath\tcommit\tupstream_label\tnote\n")
            for r in self.rows:
                f.write("\t".join(r) + "\n")


def repeated_only(text):
    """The upstream positive's random part is one character repeated: `AKIAZZZZZZZZZZZZZZZZ`."""
    for m in re.finditer(r"[A-Za-z0-9]{12,}", text):
        run = m.group()
        tail = run[4:] if len(run) > 16 else run
        if len(set(tail.lower())) == 1:
            return True
    return False


PLACEHOLDER_URL = re.compile(r"://[^:/\s@]+:(?:pass|password)@")


def label_of(upstream_positive, text):
    if upstream_positive and repeated_only(text):
        return "clean", "relabelled: repeated-character placeholder"
    if upstream_positive and PLACEHOLDER_URL.search(text) and len(text) < 400:
        return "clean", "relabelled: placeholder password in a URL"
    return ("secret" if upstream_positive else "clean"), ""


def main():
    gl, ds, sl = sys.argv[1:4]
    out = sys.argv[4] if len(sys.argv) > 4 else "tests/secrets-corpus/public"
    corpus = Corpus(out)

    c = head(gl)
    for name, kind in sorted(GITLEAKS.items()):
        path = f"cmd/generate/config/rules/{name}.go"
        src = show(gl, c, path).decode()
        for upstream, text in gitleaks_samples(src):
            label, note = label_of(upstream == "secret", text)
            corpus.add(label, kind, "gitleaks", path, c, "tp" if upstream == "secret" else "fp", text, note=note)

    c = head(ds)
    for name, kind in sorted(DETECT_SECRETS.items()):
        path = f"tests/plugins/{name}_test.py"
        try:
            tree = ast.parse(show(ds, c, path).decode())
        except subprocess.CalledProcessError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
                continue
            if len(node.args) < 2:
                continue
            try:
                cases = ast.literal_eval(node.args[1])
            except ValueError:
                continue
            for case in cases:
                if not isinstance(case, tuple):
                    continue
                texts = [x for x in case if isinstance(x, str)]
                flags = [x for x in case if isinstance(x, bool)]
                if len(texts) != 1 or len(flags) != 1:
                    continue
                label, note = label_of(flags[0], texts[0])
                corpus.add(label, kind, "detect-secrets", path, c, str(flags[0]), texts[0], note=note)
    for path, flag in sorted(DETECT_SECRETS_FILES.items()):
        ext = path.rsplit(".", 1)[-1] if "." in os.path.basename(path) else "txt"
        corpus.add("secret" if flag else "clean", "mixed", "detect-secrets", path, c, str(flag),
                   show(ds, c, path), ext=ext)

    c = head(sl)
    for name, kind in sorted(SECRETLINT.items()):
        base = f"packages/@secretlint/secretlint-rule-{name}/test/snapshots/"
        files = ls(sl, c, base)
        dirs = sorted({f[len(base):].split("/")[0] for f in files})
        for d in dirs:
            inside = [f for f in files if f.startswith(base + d + "/")]
            if any(f.endswith(".secretlintrc.json") for f in inside):
                continue
            inputs = [f for f in inside if os.path.basename(f).startswith("input")]
            outputs = [f for f in inside if f.endswith("output.json")]
            if len(inputs) != 1 or len(outputs) != 1:
                continue
            messages = json.loads(show(sl, c, outputs[0]))
            messages = messages.get("messages", messages) if isinstance(messages, dict) else messages
            flagged = bool(messages)
            if d.startswith("ng.") != flagged:
                continue
            text = show(sl, c, inputs[0])
            label, note = label_of(flagged, text.decode("utf-8", "replace"))
            ext = inputs[0].rsplit(".", 1)[-1] if "." in os.path.basename(inputs[0]) else "txt"
            corpus.add(label, kind, "secretlint", inputs[0], c, d.split(".")[0], text, ext=ext, note=note)

    corpus.write()
    counts = {}
    for r in corpus.rows:
        counts[(r[3], r[1])] = counts.get((r[3], r[1]), 0) + 1
    print(len(corpus.rows), "files:", counts)


if __name__ == "__main__":
    main()
