#!/usr/bin/env python3
"""Writes tests/secrets-corpus/own/: sfp's own part of the labelled secrets corpus, with its
SOURCES.tsv. Run from the repository root, after make_every_kind.py.

- secret: each synthetic secret of tests/fixtures/secrets/every-kind.tsv, placed in the file
  formats people keep secrets in (.env, YAML, JSON, Python, JavaScript, TOML, INI, shell).
- clean: what a scanner must not flag: references to secrets kept elsewhere, placeholders of
  every vendor format, real lockfile snippets (this repository's Cargo.lock, an npm
  package-lock.json), UUIDs and hashes under key-like names, base64 images, code that handles
  credentials without holding one.
"""
import base64
import hashlib
import os
import random
import shutil
import uuid

R = random.Random(7)
OUT = "tests/secrets-corpus/own"
rows = []


def write(label, kind, name, text, origin="tests/secrets-corpus/make_own.py"):
    path = f"{kind}/{label}-{name}"
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    rows.append((path, label, kind, "sfp", origin, "-", label, ""))


GROUP = {
    "github token": "github", "gitlab token": "gitlab", "slack token": "slack",
    "slack webhook": "slack", "stripe key": "stripe", "sendgrid key": "sendgrid",
    "twilio key": "twilio", "npm token": "npm", "npm auth token": "npm", "pypi token": "pypi",
    "aws access key id": "aws", "aws secret key": "aws", "aws bedrock key": "aws",
    "gcp api key": "gcp", "gcp oauth secret": "gcp", "azure storage key": "azure",
    "azure client secret": "azure", "anthropic key": "anthropic", "openai key": "openai",
    "hugging face token": "huggingface", "telegram bot token": "telegram",
    "mailchimp key": "mailchimp", "shopify token": "shopify",
    "digitalocean token": "digitalocean", "databricks token": "databricks",
    "postman key": "postman", "private key": "private-key", "jwt": "jwt",
    "url password": "url-password", "password": "password", "secret": "generic",
    "api key": "generic", "bearer token": "generic",
}

CONTEXTS = [
    ("env", "# deploy settings\nAPP_ENV=production\n{line}\nLOG_LEVEL=info\n"),
    ("yaml", "service:\n  name: billing\n  settings: |\n    {line}\n  replicas: 2\n"),
    ("py", "import os\n\nDEBUG = False\n# {name}\nVALUE = '''{line}'''\n"),
    ("js", "export const config = {{\n  region: 'eu-west-1',\n  credential: `{line}`,\n}};\n"),
    ("md", "Paste this to reproduce the failure:\n\n```\n{line}\n```\n"),
]


def secrets():
    for line in open("tests/fixtures/secrets/every-kind.tsv"):
        if line.startswith("#") or not line.strip():
            continue
        kind, secret = line.rstrip("\n").split("\t", 1)
        yield kind, secret


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    n = 0
    for kind, secret in secrets():
        for ext, template in CONTEXTS:
            n += 1
            write("secret", GROUP[kind], f"{n:03d}.{ext}", template.format(line=secret, name=kind))
    # Assignments in each config format, with values drawn fresh.
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    rnd = lambda k: "".join(R.choice(alnum) for _ in range(k))
    forms = [
        ("env", "DATABASE_PASSWORD={v}\n"),
        ("toml", "[database]\nuser = \"app\"\npassword = \"{v}\"\n"),
        ("ini", "[smtp]\nhost = mail.internal\npassword = {v}\n"),
        ("json", "{{\n  \"db\": {{\"user\": \"app\", \"password\": \"{v}\"}}\n}}\n"),
        ("yaml", "db:\n  user: app\n  password: \"{v}\"\n"),
        ("py", "conn = connect(host='db', user='app', password='{v}')\n"),
        ("go", "const dbPassword = \"{v}\"\n"),
        ("sh", "export MYSQL_PWD='{v}'\n"),
        ("json", "{{\"apiKey\": \"{v}\", \"region\": \"us\"}}\n"),
        ("yaml", "auth:\n  client_secret: {v}\n"),
        ("js", "const accessToken = \"{v}\";\n"),
        ("rb", "config.secret_key_base = '{v}'\n"),
        ("npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={u}\n"),
        ("txt", "mongodb+srv://svc:{v}@cluster0.mongodb.net/prod\n"),
        ("txt", "git clone https://deploy:{v}@git.internal/team/repo.git\n"),
        ("sh", "curl -u admin:{v} https://registry.internal/v2/\n"),
        ("txt", "password=hunter2hunter2\n"),
    ]
    for i in range(3):
        for j, (ext, t) in enumerate(forms):
            group = "url-password" if "://" in t and "curl" not in t and "registry" not in t else (
                "npm" if "_authToken" in t else ("password" if "pass" in t.lower() or "PWD" in t else "generic"))
            write("secret", group, f"assign-{i}-{j:02d}.{ext}", t.format(v=rnd(14 + 4 * i), u=uuid.UUID(int=R.getrandbits(128))))

    clean = {
        "references": [
            "const key = process.env.OPENAI_API_KEY;\nconst client = new OpenAI({ apiKey: key });\n",
            "const stripe = new Stripe(import.meta.env.VITE_STRIPE_SECRET_KEY);\n",
            "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\nDATABASE_PASSWORD = os.environ.get('DB_PASSWORD')\n",
            "password = os.getenv(\"DB_PASSWORD\")\ntoken = os.getenv('GITHUB_TOKEN', '')\n",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app\nAPI_TOKEN=${API_TOKEN}\n",
            "steps:\n  - run: npm publish\n    env:\n      NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
            "conn = psycopg.connect(password=settings.DATABASE_PASSWORD)\n",
            "const client = createClient({ token: config.slackToken, secret: config.signingSecret });\n",
            "auth = request.headers.Authorization\nif not auth: abort(401)\n",
            "let token = std::env::var(\"GITHUB_TOKEN\")?;\n",
            "password: \"{{ vault_db_password }}\"\napi_key: \"{{ lookup('env', 'API_KEY') }}\"\n",
            "aws_secret_access_key = ENV['AWS_SECRET_ACCESS_KEY']\n",
            "export OPENAI_API_KEY=\"$(pass show openai/key)\"\n",
            "headers = {'Authorization': f'Bearer {token}'}\n",
            "password = getpass.getpass('Password: ')\n",
            "if (user.password !== confirmPassword) throw new Error('mismatch');\n",
            "def check(password_hash, password):\n    return bcrypt.checkpw(password, password_hash)\n",
            "const { data: { session } } = await supabase.auth.getSession(); const token = session.access_token;\n",
            "token_url = 'https://oauth2.googleapis.com/token'\npassword_min_length = 12\n",
            "SECRET_NAME=prod/db/password\nTOKEN_TTL=3600\n",
        ],
        "placeholders": [
            "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            "ANTHROPIC_API_KEY=sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            "SLACK_BOT_TOKEN=xoxb-your-bot-token\n",
            "NPM_TOKEN=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
            "OPENAI_API_KEY=sk-your-openai-api-key-here\n",
            "STRIPE_SECRET_KEY=sk_test_XXXXXXXXXXXXXXXXXXXXXXXX\n",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "password: changeme\n",
            "api_key: <your-api-key>\n",
            "DB_PASSWORD=password\n",
            "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            "token = \"REPLACE_ME\"\n",
            "secret: \"********\"\n",
            "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            "postgres://user:password@localhost:5432/mydb\n",
            "GITLAB_TOKEN=glpat-XXXXXXXXXXXXXXXXXXXX\n",
            "export TWILIO_AUTH_TOKEN=your_auth_token\n",
            "client_secret = \"<client secret>\"\n",
            "SECRET_KEY=dummy-secret-key-for-tests\n",
            "api_key = \"0000000000000000000000000000000000000000\"\n",
        ],
        "code": [
            "while let Some(k) = map.next_key::<String>()? {\n    keys.push(k);\n}\n",
            "fn token_count(text: &str) -> usize { text.len() / 4 }\n",
            "The token expired; run `gh auth login` to get a new one.\n",
            "Set `password` in the [db] section; see docs/security.md for how tokens are rotated.\n",
            "| key | value |\n| --- | --- |\n| api_key | the key from the dashboard |\n",
            "SELECT id, password_hash FROM users WHERE email = $1;\n",
            "<input type=\"password\" name=\"password\" placeholder=\"Password\">\n",
            "passwordField.setError(getString(R.string.password_too_short));\n",
            "const TOKEN_TYPES = ['access', 'refresh', 'id'];\n",
            "export function parseAuthHeader(header: string) { return header.split(' ')[1]; }\n",
        ],
    }
    for group, texts in clean.items():
        for i, t in enumerate(texts):
            write("clean", group, f"{i:03d}.txt", t)
    for i in range(15):
        u = uuid.UUID(int=R.getrandbits(128), version=4)
        h = hashlib.sha256(str(i).encode()).hexdigest()
        s1 = hashlib.sha1(str(i).encode()).hexdigest()
        write("clean", "ids", f"{i:03d}.yaml",
              f"cache_key: {h}\nrequest_id: {u}\ncommit_sha: {s1}\netag: \"{hashlib.md5(str(i).encode()).hexdigest()}\"\nidempotency_key = \"{uuid.UUID(int=R.getrandbits(128))}\"\n")
    png = base64.b64encode(bytes(R.getrandbits(8) for _ in range(600))).decode()
    for i in range(5):
        data = base64.b64encode(bytes(R.getrandbits(8) for _ in range(300 + 100 * i))).decode()
        write("clean", "images", f"{i:03d}.css", f".logo {{ background: url(data:image/png;base64,iVBORw0KGgo{data}); }}\n")
    write("clean", "images", "svg.html", f"<img alt=\"logo\" src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA{png}\">\n")

    # Real lockfiles, cut into snippets.
    lock = open("Cargo.lock").read().split("\n\n")
    for i in range(0, min(len(lock), 120), 6):
        write("clean", "lockfiles", f"cargo-{i:03d}.lock", "\n\n".join(lock[i:i + 6]) + "\n",
              origin="Cargo.lock of this repository")
    npm = os.path.expanduser("~/.cache/claude-cli/package-lock.json")
    if os.path.exists(npm):
        write("clean", "lockfiles", "npm-package-lock.json", open(npm).read(),
              origin="package-lock.json of an npm install of @anthropic-ai/claude-code 2.1.332")

    with open(os.path.join(OUT, "SOURCES.tsv"), "w") as f:
        f.write("file\tlabel\tkind\tproject\tpath\tcommit\tupstream_label\tnote\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(len(rows), "files")


if __name__ == "__main__":
    main()
