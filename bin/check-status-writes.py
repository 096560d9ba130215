#!/usr/bin/env python3
"""A state or status changes only through its transitions (#12). This grep-level check,
run by `make lint`, fails on any other write of a `state` or `status` field in the app
code, the tests, the benches and the scripts:

    x.state = ...   x.status = ...              (a protected FSM field assigned)
    x.__dict__["state"] = ...                   (django-fsm's protection got round)
    setattr(x, "status", ...)
    ....update(state=...)  ....update(..., status=...)   (a queryset UPDATE)
    "UPDATE ... SET status = ..."               (the same in SQL)

Building a row with its state given to the constructor (`Case(state=...)`,
`CaseFactory(state=...)`) is not a write of an existing row and is allowed; so are the
transitions themselves (responder/fsm.py and the models' django-fsm methods) and the
migrations. ALLOWED lists the other legitimate places, each with its reason.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("responder", "workflows", "tests", "bench", "bin")
FIELD = r"(?:state|status)"
PATTERNS = (
    re.compile(rf"\.{FIELD}\s*=(?!=)"),
    re.compile(rf"__dict__\[\s*[\"']{FIELD}[\"']\s*\]"),
    re.compile(rf"setattr\([^,]+,\s*[\"']{FIELD}[\"']"),
    # .update( ... state= ...): any keyword of the call, over several lines.
    re.compile(rf"\.update\((?:[^()]|\([^()]*\))*?\b{FIELD}\s*=(?!=)", re.DOTALL),
)
# Looked for in the strings too (the patterns above see code only: a SQL "WHERE
# s.status = %s" or a comment is not a write).
SQL_PATTERN = re.compile(rf"\bSET\s+(?:\w+\.)?\"?{FIELD}\"?\s*=", re.IGNORECASE)

# path: {text found on the line: why it is not a write of a state/status field}
ALLOWED: dict[str, dict[str, str]] = {
    "responder/channels/simulator/common.py": {
        "self.status = status": "the HTTP status of the simulator's response, not a model",
    },
    "responder/channels/simulator/server.py": {
        "self.state = ": "the simulator's in-memory world handed to its request handler",
    },
    "responder/channels/connectors/base.py": {
        "self.status = status": "the HTTP status carried by a TransportError",
    },
    "tests/sim.py": {
        "self.state = sim.state": "the simulator's in-memory world, read by assertions",
    },
    "tests/channels/test_account_safety.py": {
        "self.status = 200": "the HTTP status of a fake urllib response",
    },
}


def code_only(source: str) -> str:
    """The source with comments and string contents blanked (lines and columns kept),
    except the strings "state" and "status" themselves (for __dict__ and setattr)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    chars = list(source)
    blanked = (tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in blanked or token.string.strip("\"'") in ("state", "status"):
            continue
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def offences(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: dict[int, str] = {}
    searched = [(pattern, code_only(source)) for pattern in PATTERNS]
    for pattern, text in [*searched, (SQL_PATTERN, source)]:
        for match in pattern.finditer(text):
            line_no = text.count("\n", 0, match.start()) + 1
            found.setdefault(line_no, lines[line_no - 1].strip())
    return sorted(found.items())


def main() -> int:
    failures = []
    used: set[tuple[str, str]] = set()
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or rel == "bin/check-status-writes.py":
                continue
            allowed = ALLOWED.get(rel, {})
            for line_no, text in offences(path):
                hit = next((needle for needle in allowed if needle in text), None)
                if hit is None:
                    failures.append(f"{rel}:{line_no}: {text}")
                else:
                    used.add((rel, hit))
    for failure in failures:
        print(f"{failure}\n    a state/status written outside its transitions", file=sys.stderr)
    stale = [f"{rel}: {needle!r}" for rel, ns in ALLOWED.items() for needle in ns]
    stale = [s for s in stale if not any(s == f"{r}: {n!r}" for r, n in used)]
    for entry in stale:
        print(f"ALLOWED entry matches nothing any more, remove it: {entry}", file=sys.stderr)
    return 1 if failures or stale else 0


if __name__ == "__main__":
    sys.exit(main())
