#!/usr/bin/env python3
"""Size limits for the app code (responder/, workflows/; migrations and the test
helpers of responder/testing excepted): no function over 80 lines, no module over
500. Run by `make lint`.

The ALLOWED lists are the offenders that were there when the check was added (#12),
each at its size then: they may shrink, not grow, and the check fails only on a new
offender or on one that grew. Take an entry out when its function or module is split.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("responder", "workflows")
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500

# "path:qualified.name": lines when the check was added. To be split, not to grow.
ALLOWED_FUNCTIONS: dict[str, int] = {}
ALLOWED_MODULES: dict[str, int] = {}


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{node.name}"
            found.append((name, (node.end_lineno or node.lineno) - node.lineno + 1))
            found.extend(_functions(node, f"{name}."))
        elif isinstance(node, ast.ClassDef):
            found.extend(_functions(node, f"{prefix}{node.name}."))
    return found


def offenders() -> tuple[dict[str, int], dict[str, int]]:
    functions: dict[str, int] = {}
    modules: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.is_relative_to(ROOT / "responder" / "testing"):
                continue
            source = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT).as_posix()
            lines = len(source.splitlines())
            if lines > MAX_MODULE_LINES:
                modules[rel] = lines
            for name, length in _functions(ast.parse(source, filename=rel)):
                if length > MAX_FUNCTION_LINES:
                    functions[f"{rel}:{name}"] = length
    return functions, modules


def main() -> int:
    functions, modules = offenders()
    failures = []
    for kind, found, allowed, limit in (
        ("function", functions, ALLOWED_FUNCTIONS, MAX_FUNCTION_LINES),
        ("module", modules, ALLOWED_MODULES, MAX_MODULE_LINES),
    ):
        for name, length in sorted(found.items()):
            if name not in allowed:
                failures.append(f"{name}: {kind} of {length} lines (limit {limit})")
            elif length > allowed[name]:
                failures.append(
                    f"{name}: {kind} grew to {length} lines (allowed {allowed[name]} "
                    f"while it waits to be split; limit {limit})"
                )
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
