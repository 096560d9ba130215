#!/usr/bin/env python3
"""No hidden settings (#12). Run by `make lint`; fails when

- a `getattr(settings, "NAME", ...)` names a setting that responder/settings.py (with
  the settings_*.py modules it star-imports) does not define: the default in the
  getattr would silently be the configuration;
- a `settings.NAME` read names a setting defined neither there nor by Django;
- an environment variable is read (`os.environ.get("X")`, `os.environ["X"]`,
  `os.getenv("X")`, settings.py's `env_str("X", ...)` and the other `env_*` readers)
  but `.env.example` does not list it (as `X=` or, for an example only, `# X=`).

Scanned: the app packages, bin/ and manage.py (the tests set variables, they do not
configure the product). A read whose name is not a literal is listed in DYNAMIC with
its reason, or fails.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("responder", "workflows", "bin", "manage.py")
SETTINGS = ROOT / "responder" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
ENV_READERS = {
    *("os.environ.get", "os.getenv", "environ.get", "getenv"),
    *("env_str", "env_bool", "env_int", "env_float", "env_list", "env_url"),
}
ENV_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)

# "path:line text": why a read with a computed name is fine.
DYNAMIC: dict[str, str] = {
    "responder/env.py": "the readers settings.py calls with literal names, checked there",
    "responder/channels/connectors/__init__.py": (
        "a platform account's token variable, named by an admin (RESPONDER_TOKEN_...), "
        "documented by example in .env.example"
    ),
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def reads(tree: ast.AST) -> list[tuple[str, int, str | None]]:
    """(kind, line, name) for each read: kind "setting" or "env"; name None when it
    is not a literal."""
    found: list[tuple[str, int, str | None]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and _name(node.value) == "settings"
            and node.attr.isupper()
        ):
            found.append(("attribute", node.lineno, node.attr))
        if isinstance(node, ast.Call):
            func = _name(node.func)
            first = node.args[0] if node.args else None
            if func == "getattr" and len(node.args) >= 2 and _name(node.args[0]) == "settings":
                found.append(("setting", node.lineno, _literal(node.args[1])))
            elif func in ENV_READERS:
                found.append(("env", node.lineno, _literal(first)))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _name(node.value) in ("os.environ", "environ")
        ):
            found.append(("env", node.lineno, _literal(node.slice)))
    return found


def defined_settings(path: Path = SETTINGS) -> set[str]:
    """Names assigned at the top level of settings.py (inside module-level if/try too),
    and of the settings modules it imports with `*`."""
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if (
                isinstance(stmt, ast.ImportFrom)
                and (stmt.module or "").startswith("responder.settings")
                and any(alias.name == "*" for alias in stmt.names)
            ):
                module = ROOT / (str(stmt.module).replace(".", "/") + ".py")
                names.update(defined_settings(module))
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
                targets = [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and node.id.isupper():
                        names.add(node.id)
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and not isinstance(
                    stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                ):
                    visit(inner)
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return names


def files() -> list[Path]:
    out: list[Path] = []
    for top in SCANNED:
        path = ROOT / top
        if path.is_file():
            out.append(path)
        else:
            out += [p for p in sorted(path.rglob("*.py")) if "migrations" not in p.parts]
    # Python scripts without the .py suffix (bin/run-tests is a shell script).
    for script in sorted((ROOT / "bin").iterdir()):
        if script.is_file() and not script.suffix:
            first_line = script.read_text(encoding="utf-8").partition("\n")[0]
            if first_line.startswith("#!") and "python" in first_line:
                out.append(script)
    return out


def main() -> int:
    settings = defined_settings()
    django_defaults = {name for name in dir(global_settings) if name.isupper()}
    documented = set(ENV_LINE.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))
    problems: list[str] = []
    for path in files():
        rel = path.relative_to(ROOT).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        except SyntaxError:
            continue  # not Python (a shell script in bin/)
        for kind, line, name in reads(tree):
            where = f"{rel}:{line}"
            if name is None:
                if rel not in DYNAMIC:
                    problems.append(f"{where}: a {kind} read whose name is not a literal")
            elif kind == "setting" and name not in settings:
                problems.append(f"{where}: setting {name} is not defined in settings.py")
            elif kind == "attribute" and name not in settings | django_defaults:
                problems.append(f"{where}: setting {name} is defined neither here nor by Django")
            elif kind == "env" and name not in documented:
                problems.append(f"{where}: environment variable {name} is not in .env.example")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
