#!/usr/bin/env python3
"""Generates the bad-input corpus for `sfp hook <event>`: tests/corpus/hook-input/<event>/<case>.

    python3 tests/corpus/generate.py      # rewrites tests/corpus/hook-input/ deterministically

Every wired event (the directory name is the <event> argument sfp gets) receives the same families
of hostile input, built from the real samples in tests/fixtures/hook-input/: empty, whitespace, not
JSON, truncated, invalid UTF-8, JSON that is not an object, nesting 100,000 deep, every field with
every wrong type, nulls, missing and extra fields, unknown and mismatched event names, hostile
paths and ids, huge strings. `unknown-event/` holds inputs for an event argument sfp does not know.

tests/corpus.rs feeds each file to the real binary. The 20 MB prompt is made at test time, not
stored. Output is deterministic: re-running this script changes nothing unless it was edited.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "hook-input")
OUT = os.path.join(HERE, "hook-input")

# The events hooks.json wires (now or once every capability is merged), with a real sample each.
EVENTS = {
    "session-start": "SessionStart-startup.json",
    "user-prompt-submit": "UserPromptSubmit.json",
    "post-tool-use": "PostToolUse-Write.json",
    "stop": "Stop.json",
    "pre-compact": "PreCompact-manual.json",
    "session-end": "SessionEnd-other.json",
}

# A value of each JSON type; a field gets every type it does not have.
WRONG = {
    "null": None,
    "number": 12345,
    "float": -1.5e300,
    "bool": True,
    "string": "not-what-you-expect",
    "array": ["a", 1, None],
    "object": {"nested": {"deeper": [1, 2]}},
}


def kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def dumps(value):
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def cases_for(sample):
    """Yields (name, bytes) for one event's sample object."""
    raw = dumps(sample)
    event = sample["hook_event_name"]
    yield "empty", b""
    yield "whitespace", b" \n\t\r\n  "
    yield "not-json", b"hello, this is not JSON"
    yield "yaml-not-json", b"hook_event_name: " + event.encode() + b"\nsession_id: x\n"
    yield "truncated-half", raw[: len(raw) // 2]
    yield "truncated-last-byte", raw[:-1]
    yield "truncated-in-escape", b'{"hook_event_name":"' + event.encode() + b'","prompt":"abc\\u12'
    yield "invalid-utf8-in-string", raw.replace(b'"cwd": "', b'"cwd": "\xff\xfe\xc3(', 1)
    yield "invalid-utf8-only", b"\xff\xfe\xfd\x80\x81\xc0\xaf"
    yield "utf16-le", json.dumps(sample).encode("utf-16-le")
    yield "bom-prefixed", b"\xef\xbb\xbf" + raw
    yield "nul-bytes", raw[:10] + b"\x00\x00\x00" + raw[10:]
    yield "lone-surrogate", dumps({"hook_event_name": event}).replace(b"}", b', "prompt": "\\ud800"}')
    yield "control-chars-raw", b'{"hook_event_name":"' + event.encode() + b'","prompt":"a\x01\x07\x1bb"}'
    yield "json-null", b"null"
    yield "json-true", b"true"
    yield "json-number", b"42"
    yield "json-string", dumps(event)
    yield "json-array", b"[1, 2, 3]"
    yield "array-of-sample", dumps([sample])
    yield "empty-object", b"{}"
    yield "only-event", dumps({"hook_event_name": event})
    yield "two-objects", raw + b"\n" + raw
    yield "trailing-garbage", raw + b" xyz"
    yield "duplicate-keys", raw[:-1] + b', "hook_event_name": "' + event.encode() + b'"}'
    yield "deep-array-100k", b"[" * 100_000
    yield "deep-object-20k", b'{"a":' * 20_000
    yield "deep-balanced-200", dumps(dict(sample, tool_input=nest(200)))
    yield "huge-number", raw[:-1] + b', "background_tasks": 1e99999}'
    yield "all-null", dumps({k: None for k in sample})
    yield "all-arrays", dumps({k: [v] for k, v in sample.items()})
    yield "unknown-event-name", dumps(dict(sample, hook_event_name="BogusEventFromTheFuture"))
    yield "event-name-empty", dumps(dict(sample, hook_event_name=""))
    yield "event-name-case", dumps(dict(sample, hook_event_name=event.upper()))
    other = "SessionEnd" if event != "SessionEnd" else "SessionStart"
    yield "event-mismatch", dumps(dict(sample, hook_event_name=other))
    yield "missing-event-name", dumps({k: v for k, v in sample.items() if k != "hook_event_name"})
    yield "missing-cwd", dumps({k: v for k, v in sample.items() if k != "cwd"})
    yield "missing-session-id", dumps({k: v for k, v in sample.items() if k != "session_id"})
    extra = dict(sample, future_field={"x": [1, 2, {"y": None}]}, another="é✓", _private=1)
    extra.update({"k%04d" % i: i for i in range(2000)})
    yield "extra-fields", dumps(extra)
    yield "cwd-missing-dir", dumps(dict(sample, cwd="/nonexistent/sfp/corpus/dir"))
    yield "cwd-relative", dumps(dict(sample, cwd="../../.."))
    yield "cwd-root", dumps(dict(sample, cwd="/"))
    yield "cwd-nul", dumps(dict(sample, cwd="/tmp/a\u0000b"))
    yield "cwd-is-a-file", dumps(dict(sample, cwd="/etc/hostname"))
    yield "session-id-traversal", dumps(dict(sample, session_id="../../../../etc/passwd"))
    yield "session-id-slashes", dumps(dict(sample, session_id="a/b\\c:d*e?f\"g<h>i|j"))
    yield "session-id-long", dumps(dict(sample, session_id="s" * 10_000))
    yield "transcript-dev-zero", dumps(dict(sample, transcript_path="/dev/zero"))
    yield "transcript-dev-urandom", dumps(dict(sample, transcript_path="/dev/urandom"))
    yield "transcript-directory", dumps(dict(sample, transcript_path="/"))
    yield "transcript-missing", dumps(dict(sample, transcript_path="/nonexistent/t.jsonl"))
    big = "x" * 32_000
    yield "huge-string-fields", dumps({k: (big if isinstance(v, str) and k != "hook_event_name" else v)
                                      for k, v in sample.items()})
    yield "huge-unicode-prompt", dumps(dict(sample, prompt="é🦀" * 8_000))
    yield "huge-key", dumps(dict(sample, **{"k" * 20_000: 1}))
    yield "pretty-crlf", json.dumps(sample, indent=2).replace("\n", "\r\n").encode()
    for field, value in sample.items():
        if field == "hook_event_name":
            continue
        for wrong_kind, wrong in WRONG.items():
            if wrong_kind != kind(value):
                yield "wrong-%s-%s" % (field, wrong_kind), dumps(dict(sample, **{field: wrong}))
    yield "wrong-event-name-number", dumps(dict(sample, hook_event_name=7))
    yield "wrong-event-name-object", dumps(dict(sample, hook_event_name={"name": event}))


def nest(depth):
    value = "bottom"
    for i in range(depth):
        value = {"level%d" % i: value} if i % 2 else [value]
    return value


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    total = 0
    for event, fixture in EVENTS.items():
        with open(os.path.join(FIXTURES, fixture), encoding="utf-8") as f:
            sample = json.load(f)
        folder = os.path.join(OUT, event)
        os.makedirs(folder)
        for name, data in cases_for(sample):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            total += 1
    folder = os.path.join(OUT, "unknown-event")
    os.makedirs(folder)
    unknown = {
        "empty": b"",
        "valid-startup-sample": open(os.path.join(FIXTURES, EVENTS["session-start"]), "rb").read(),
        "bogus-name": dumps({"hook_event_name": "Bogus", "session_id": "x"}),
        "not-json": b"\x00\x01 nope",
        "subagent-start": dumps({"hook_event_name": "SubagentStart", "agent_id": "a1"}),
    }
    for name, data in unknown.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        total += 1
    print("wrote %d cases to %s" % (total, os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
