#!/usr/bin/env python3
"""Writes tests/fixtures/secrets/every-kind.tsv: one synthetic, structurally valid secret per
kind sfp recognises (checksums computed as the vendors do), from a fixed seed so that the file is
reproducible. Run from the repository root."""
import base64, random, string, zlib

R = random.Random(20261202)
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
HEX = "0123456789abcdef"


def rnd(n, alphabet=ALNUM):
    return "".join(R.choice(alphabet) for _ in range(n))


def b62_6(n):
    out = ""
    for _ in range(6):
        out = B62[n % 62] + out
        n //= 62
    return out


def crc_token(prefix):
    body = rnd(30)
    return prefix + body + b62_6(zlib.crc32(body.encode()))


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt():
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(('{"sub":"%s","name":"Ada","iat":1733100000}' % rnd(10)).encode())
    return f"{head}.{body}.{b64url(bytes(R.getrandbits(8) for _ in range(32)))}"


def pypi():
    ident = rnd(32).encode()
    mac = b"\x02\x01\x08pypi.org\x02" + bytes([len(ident)]) + ident + b"\x00\x00\x06\x20" + bytes(R.getrandbits(8) for _ in range(32))
    return "pypi-" + b64url(mac)


def pem():
    body = base64.b64encode(bytes(R.getrandbits(8) for _ in range(96))).decode()
    return f"-----BEGIN RSA PRIVATE KEY-----{body}-----END RSA PRIVATE KEY-----"


B32 = string.ascii_uppercase + "234567"
kinds = [
    ("github token", crc_token("ghp_")),
    ("github token", "github_pat_" + rnd(22) + "_" + rnd(59)),
    ("gitlab token", "glpat-" + rnd(20)),
    ("gitlab token", "glrt-" + rnd(20)),
    ("gitlab token", "glcbt-" + rnd(2, HEX) + "_" + rnd(20)),
    ("slack token", "xoxb-" + rnd(12, string.digits) + "-" + rnd(13, string.digits) + "-" + rnd(24)),
    ("slack token", "xapp-1-A" + rnd(10, string.ascii_uppercase + string.digits) + "-" + rnd(13, string.digits) + "-" + rnd(64, HEX)),
    ("slack token", "xoxe-1-" + rnd(146, string.ascii_uppercase + string.digits)),
    ("slack webhook", "https://hooks.slack.com/services/T" + rnd(8, B32) + "/B" + rnd(8, B32) + "/" + rnd(24)),
    ("stripe key", "sk_live_" + rnd(24)),
    ("stripe key", "sk_test_" + rnd(24)),
    ("stripe key", "rk_live_" + rnd(24)),
    ("sendgrid key", "SG." + rnd(22) + "." + rnd(43)),
    ("twilio key", "SK" + rnd(32, HEX)),
    ("npm token", crc_token("npm_")),
    ("npm auth token", "//registry.npmjs.org/:_authToken=" + rnd(8, HEX) + "-" + rnd(4, HEX) + "-" + rnd(4, HEX) + "-" + rnd(4, HEX) + "-" + rnd(12, HEX)),
    ("pypi token", pypi()),
    ("aws access key id", "AKIA" + rnd(16, B32)),
    ("aws access key id", "ABIA" + rnd(16, B32)),
    ("aws access key id", "ACCA" + rnd(16, B32)),
    ("aws secret key", "aws_secret_access_key = " + rnd(40, ALNUM + "+/")),
    ("aws bedrock key", "ABSK" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(99))).decode()),
    ("gcp api key", "AIza" + rnd(35)),
    ("gcp oauth secret", "GOCSPX-" + rnd(28)),
    ("azure storage key", "AccountKey=" + base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()),
    ("azure client secret", rnd(3) + "8Q~" + rnd(34)),
    ("anthropic key", "sk-ant-api03-" + rnd(93, ALNUM + "_-") + "AA"),
    ("openai key", "sk-proj-" + rnd(20) + "T3BlbkFJ" + rnd(20)),
    ("hugging face token", "hf_" + rnd(34, string.ascii_letters)),
    ("telegram bot token", rnd(10, string.digits) + ":AA" + rnd(33)),
    ("mailchimp key", rnd(32, HEX) + "-us14"),
    ("shopify token", "shpat_" + rnd(32, HEX)),
    ("digitalocean token", "dop_v1_" + rnd(64, HEX)),
    ("databricks token", "dapi" + rnd(32, HEX)),
    ("postman key", "PMAK-" + rnd(24, HEX) + "-" + rnd(34, HEX)),
    ("private key", pem()),
    ("jwt", jwt()),
    ("url password", "postgres://app:" + rnd(16) + "@db.internal:5432/app"),
    ("password", "password=" + rnd(14)),
    ("password", 'DB_PASSWORD="' + rnd(12) + '"'),
    ("secret", 'client_secret: "' + rnd(32) + '"'),
    ("api key", '"apiKey": "' + rnd(32) + '"'),
    ("bearer token", "Authorization: Bearer " + rnd(40)),
]

with open("tests/fixtures/secrets/every-kind.tsv", "w") as f:
    f.write("# One synthetic secret per kind sfp recognises: kind<TAB>secret. Checksums are valid;\n")
    f.write("# none of these was ever issued. Written by tests/secrets-corpus/make_every_kind.py.\n")
    for kind, secret in kinds:
        f.write(f"{kind}\t{secret}\n")
