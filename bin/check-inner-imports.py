#!/usr/bin/env python3
"""Imports inside functions hide dependencies (and the cycles import-linter would
catch). Each one left in app code carries a comment on its line or the line above
saying why ("# inner import: <reason>"); this script, run by `make lint`, lists those
that do not."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOTS = ("responder", "workflows")
MARK = "inner import:"


def inner_imports(path: Path) -> list[int]:
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                here = lines[child.lineno - 1]
                above = lines[child.lineno - 2] if child.lineno > 1 else ""
                if MARK not in here and MARK not in above:
                    found.append(child.lineno)
    return sorted(set(found))


def main() -> int:
    missing = []
    for root in ROOTS:
        for path in sorted(Path(root).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            missing += [f"{path}:{line}" for line in inner_imports(path)]
    for where in missing:
        print(f"{where}: an import inside a function without '# {MARK} <why>'")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
