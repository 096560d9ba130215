"""The generated authorization matrix (issue #11): every URL pattern of responder.urls ×
every principal × an object of department A and of department B, held to the one written
table in docs/PERMISSIONS.md ("The matrix").

- A URL pattern without a row fails the test; a row whose URL does not exist (yet) is
  only a warning (rows for other branches' URLs can be written before they merge).
- A row is `URL name | path | method | object | dept | <one column per principal> | notes`.
  A row covers the patterns with exactly its path, and those whose name its URL name
  matches in full as a regular expression (so one row of Django admin URLs can name a
  group of models); a row without a name covers unnamed patterns by path (`<app>` and
  `<model>` stand for any).
- Each request runs inside a savepoint that is rolled back, so one data set serves the
  whole run and an allowed POST does not disturb the next request. A denied principal
  must get 401/403/404/410 or a redirect to a sign-in page, and a denied POST must leave
  every table as it was; an allowed one gets neither (200, 302, 400, 409... are fine:
  the assertion is about authorization, not about the action succeeding).

Until the authorization work of issue #11 is merged this test fails on purpose: it lists
what still disagrees with the table.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from responder.accounts.models import User
from tests.permission_matrix_world import World, build_world

MATRIX = Path(__file__).resolve().parents[1] / "docs" / "PERMISSIONS.md"
HEADING = "## The matrix"
PRINCIPALS = (
    "anonymous",
    "officer A",
    "SME A",
    "approver A",
    "admin A",
    "officer B",
    "SME B",
    "approver B",
    "admin B",
    "site admin",
    "removed SME",
    "deactivated",
)
# Cells that mean "may": the code only says why (their own object, a step they review...).
ALLOW = {"allow", "own", "review", "expert", "scoped", "link"}
CODES = ALLOW | {"deny", "redirect", "empty"}
DENIED_STATUS = {401, 403, 404, 410}
SENT_ON = {"redirect", "redirect with an error message"}
SIGN_IN_PAGES = ("/accounts/login/", "/admin/login/")
ADMIN_INDEX = "/admin/"
ADMIN_OBJECT_PAGE = re.compile(r"^/admin/[a-z_]+/[a-z_]+/[^/]+/(change|history|delete|password)/$")
# The inbox's list forms (claim from the list, bulk close/assign, saved views) refuse
# by a redirect back to the list with a message, as their successes do (several cases
# at once may partly succeed): a POST answered by a redirect that changed nothing
# counts as a refusal. Whether nothing changed is checked table by table.
POST_REFUSAL_BY_REDIRECT = True
# Tables a request may change without anybody acting: the session store.
UNWATCHED_TABLES = {"django_session"}
WATCHED_APPS = {
    "accounts",
    "analytics",
    "audit",
    "auth",
    "authtoken",
    "channels",
    "inbox",
    "workflows",
}


# --- the written table -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    method: str
    obj: str
    dept: str
    cells: dict[str, str]
    line: int

    @property
    def label(self) -> str:
        where = self.name or self.path
        return f"{self.method} {where} [{self.obj}{'' if self.dept == '—' else ' of ' + self.dept}]"

    def covers(self, pattern: Pattern) -> bool:
        if self.name:
            if self.path == pattern.route:
                return True
            return bool(pattern.name) and re.fullmatch(self.name, pattern.name) is not None
        if pattern.name:
            return False
        wanted = re.escape(self.path).replace("<app>", "[a-z_]+").replace("<model>", "[a-z_]+")
        return re.fullmatch(wanted, pattern.route) is not None


def _cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [part.strip().replace("\\|", "|").strip("`") for part in parts]


def matrix_rows() -> list[Row]:
    text = MATRIX.read_text(encoding="utf-8")
    assert HEADING in text, f"{MATRIX} has no '{HEADING}' section"
    offset = text[: text.index(HEADING)].count("\n")
    lines = text[text.index(HEADING) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    header = _cells(lines[start])
    missing = [p for p in PRINCIPALS if p not in header]
    assert not missing, f"the matrix has no column for {missing}"
    rows = []
    for number, line in enumerate(lines[start + 2 :], start=start + 2):
        if not line.startswith("|"):
            break
        values = dict(zip(header, _cells(line), strict=False))
        cells = {p: values[p] for p in PRINCIPALS}
        unknown = {c for c in cells.values() if c not in CODES}
        assert not unknown, f"PERMISSIONS.md line {offset + number + 1}: unknown cells {unknown}"
        rows.append(
            Row(
                name=values["URL name"],
                path=values["path"],
                method=values["method"],
                obj=values["object"],
                dept=values["dept"],
                cells=cells,
                line=offset + number + 1,
            )
        )
    return rows


# --- the URL patterns -------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str


def url_patterns() -> list[Pattern]:
    """Every pattern of responder.urls, in resolution order, with the full route."""
    found: list[Pattern] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else ""
                found.append(Pattern(route=prefix + str(entry.pattern), name=name))

    walk(get_resolver().url_patterns, "", "")
    return found


def url_for(pattern: Pattern, values: dict[str, Any]) -> str:
    """The address of `pattern` with its parameters filled in from `values`."""
    route = pattern.route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
    return "/" + route


# --- one request ------------------------------------------------------------------------


def _values(world: World, row: Row, pattern: Pattern) -> dict[str, Any]:
    """The URL parameters for `row`'s object of its department."""
    d = row.dept if row.dept in ("A", "B") else "A"
    obj = world.objects.get((row.obj, d))
    if pattern.route.startswith("admin/") and row.obj in ("admin object", "person"):
        app, model = pattern.route.split("/")[1:3]
        obj = world.admin_objects[(f"{app}.{model}", d)]
    pk = getattr(obj, "pk", None)
    values: dict[str, Any] = {
        "case_id": pk,
        "pk": pk,
        "step_id": pk,
        "consultation_id": pk,
        "view_id": pk,
        "notification_id": pk,
        "object_id": pk,
        "id": pk,
        "name": "by-topic",
        "app_label": "inbox",
        "url": "nothing-here/",
        "path": "nothing-here/",
        "uidb64": "MQ",
        "token": world.tokens.get((row.obj, d), "set-password"),
    }
    if obj is not None:
        values["content_type_id"] = ContentType.objects.get_for_model(obj).pk
    return values


def _body(world: World, row: Row) -> dict[str, Any]:
    """A plausible POST body: enough for an allowed person's request to be understood."""
    d = row.dept if row.dept in ("A", "B") else "A"
    other = "B" if d == "A" else "A"
    case = world.objects.get((row.obj, d))
    expert = world.users[f"SME {other}"]
    topic = world.objects[("topic", d)]
    return {
        "text": "Ten business days, see canada.ca.",
        "language": "en",
        "reason": "spam",
        "note": "",
        "topics": [topic.pk],
        "risk": "normal",
        "priority": "high",
        "action": "comment" if row.obj == "consultation" else "approve",
        "comment": "Looks right.",
        "decision": "approve",
        "case": [getattr(case, "pk", "")],
        "name": "Matrix view",
        "query": "mine=1",
        "question": "Does this apply abroad?",
        "expert": getattr(expert, "pk", ""),
        "username": "nobody-here",
        "password": "wrong-password",
        "old_password": "wrong-password",
        "new_password1": "another-horse-battery",
        "new_password2": "another-horse-battery",
        "email": "nobody@example.org",
        "next": "/",
    }


def _query(world: World, row: Row) -> str:
    d = row.dept if row.dept in ("A", "B") else "A"
    if row.name in ("cases:use_answer", "cases:send_answer"):
        return f"?answer={world.objects[('answer', d)].pk}"
    if row.name == "incoming_rules:new":
        return f"?department={world.objects[('department', d)].pk}"
    return ""


def _watched_tables() -> list[str]:
    """The product's tables (Django's own bookkeeping tables left out)."""
    return sorted(
        t
        for t in connection.introspection.table_names()
        if t.split("_")[0] in WATCHED_APPS and t not in UNWATCHED_TABLES
    )


def fingerprint(tables: list[str]) -> dict[str, str]:
    """One digest per table of every row in it: any insert, update or delete shows."""
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{t}', md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) "
        f"FROM {quote(t)} x"
        for t in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def _error_messages(response: HttpResponseBase) -> list[str]:
    """The error messages the page queued for the next page (a refusal by redirect)."""
    request = getattr(response, "wsgi_request", None)
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [str(m) for m in queued if m.level >= messages.ERROR]


def outcome(response: HttpResponseBase) -> str:
    status = response.status_code
    if status >= 500:
        # The body says which check failed (e.g. /readyz names the dependency that did not answer).
        body = getattr(response, "content", b"")[:300].decode("utf-8", "replace")
        return f"error {status}: {body}"
    if status in DENIED_STATUS:
        return "deny"
    if status in (301, 302, 303, 307):
        location = response.get("Location", "")
        if any(page in location for page in SIGN_IN_PAGES):
            return "deny"
        path = response.wsgi_request.path  # type: ignore[attr-defined]
        if location == ADMIN_INDEX and ADMIN_OBJECT_PAGE.match(path):
            return "deny"  # the Django admin's "not found": an object outside their reach
        if _error_messages(response):
            return "redirect with an error message"
        return "redirect"
    if status == 405:
        return "method not allowed"
    return "allow"


def expected_outcomes(cell: str) -> set[str]:
    """What each cell accepts. An allowed person may be told "not now" (400, 409, or a
    redirect with an error message); a refused one gets 401/403/404/410 or a sign-in page."""
    if cell in ALLOW:
        return {"allow", *SENT_ON}
    if cell == "redirect":
        return SENT_ON
    if cell == "empty":
        return {"allow", "deny", *SENT_ON}
    return {cell}


@dataclass(frozen=True)
class Mismatch:
    row: Row
    url: str
    principal: str
    expected: str
    got: str


def report(mismatches: list[Mismatch]) -> str:
    """One line per row, address and answer, naming the people it concerns."""
    grouped: dict[tuple[int, str, str, str], list[str]] = {}
    rows: dict[int, Row] = {}
    for m in mismatches:
        rows[m.row.line] = m.row
        grouped.setdefault((m.row.line, m.url, m.expected, m.got), []).append(m.principal)
    lines = []
    for (line, url, expected, got), who in grouped.items():
        row = rows[line]
        lines.append(
            f"line {line:>3} {row.method:<4} {url:<58} [{row.obj}] expected {expected}, "
            f"got {got}: {', '.join(who)}"
        )
    return "\n".join(lines)


class Browser:
    """One signed-in (or anonymous) person; each request starts from their sign-in."""

    def __init__(self, user: User | None) -> None:
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        self.cookies = self.client.cookies.output(header="", sep=";")
        self.requests = 0

    def send(self, method: str, url: str, body: dict[str, Any]) -> HttpResponseBase:
        self.client.cookies = SimpleCookie(self.cookies)
        self.requests += 1
        # A different address each time, so the emailed-link attempt limit never trips.
        address = f"10.9.{self.requests // 250}.{self.requests % 250 + 1}"
        if method == "POST":
            return self.client.post(url, body, REMOTE_ADDR=address)
        return self.client.get(url, REMOTE_ADDR=address)


def check(world: World, browsers: dict[str, Browser], row: Row, url: str) -> Iterator[Mismatch]:
    tables = _watched_tables() if row.method == "POST" else []
    body = _body(world, row) if row.method == "POST" else {}
    for principal in PRINCIPALS:
        cell = row.cells[principal]
        with transaction.atomic():
            watch = tables if cell == "deny" else []
            before = fingerprint(watch) if watch else {}
            response = browsers[principal].send(row.method, url, body)
            got = outcome(response)
            if watch:
                after = fingerprint(watch)
                changed = sorted(t for t in watch if before.get(t) != after.get(t))
                if changed:
                    got = f"{got}, and changed {', '.join(changed)}"
                elif got in SENT_ON and POST_REFUSAL_BY_REDIRECT:
                    got = "deny"
                elif got != "deny":
                    got = f"{got}, nothing changed"
            transaction.set_rollback(True)
        if got not in expected_outcomes(cell):
            yield Mismatch(row=row, url=url, principal=principal, expected=cell, got=got)


# --- the test ---------------------------------------------------------------------------


def missing_rows(rows: list[Row], patterns: list[Pattern]) -> list[str]:
    return sorted({p.route for p in patterns if not any(r.covers(p) for r in rows)})


def test_a_new_url_without_a_row_is_reported() -> None:
    new = Pattern(route="cases/<int:case_id>/archive/", name="cases:archive")
    assert new.route in missing_rows(matrix_rows(), [*url_patterns(), new])


def test_every_url_pattern_has_a_row() -> None:
    rows = matrix_rows()
    patterns = url_patterns()
    missing = missing_rows(rows, patterns)
    assert not missing, "URL patterns without a row in docs/PERMISSIONS.md:\n" + "\n".join(missing)
    for row in rows:
        if not any(row.covers(p) for p in patterns):
            warnings.warn(
                f"PERMISSIONS.md line {row.line}: no URL matches {row.label}", stacklevel=1
            )


@pytest.mark.django_db
def test_every_url_answers_each_principal_as_the_matrix_says() -> None:
    world = build_world()
    browsers = {p: Browser(world.users[p]) for p in PRINCIPALS}
    patterns = url_patterns()
    mismatches: list[Mismatch] = []
    for row in matrix_rows():
        urls = {url_for(p, _values(world, row, p)) for p in patterns if row.covers(p)}
        for url in sorted(urls):
            mismatches.extend(check(world, browsers, row, url + _query(world, row)))
    assert not mismatches, (
        f"{len(mismatches)} answers disagree with docs/PERMISSIONS.md:\n{report(mismatches)}"
    )
