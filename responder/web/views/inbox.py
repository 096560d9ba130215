"""The inbox: the cases of the officer's departments, filtered, in keyset pages,
with live "N new" polling, one-click claim, bulk close and bulk assign."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from responder.accounts.models import Role, User
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox import services
from responder.inbox.close_undo import cases_close_undo, close_undo_hold
from responder.inbox.models import CaseState, CloseReason
from responder.web.inbox_forms import BulkForm, InboxFilterForm
from responder.web.inbox_rows import inbox_rows_html, options_html
from responder.web.inbox_selectors import (
    COUNT_CAP,
    NEW_COUNT_CAP,
    SMALL_COUNT_CAP,
    Cursor,
    InboxFilters,
    InboxOptions,
    InboxRow,
    inbox_access,
    inbox_counts,
    inbox_decorate,
    inbox_options,
    inbox_page,
    inbox_visible_ids,
    saved_views_for,
    share_departments,
    shared_views_for,
)
from responder.web.inbox_selectors import (
    inbox_live as live_counts,
)
from responder.web.inbox_selectors.filters import Sort
from responder.web.views.inbox_pane import pane_case_id, pane_context

BULK_LIMIT = 200
QUICK_FILTERS = ("state", "sort")
TICKED_SESSION_KEY = "inbox_ticked"
CLOSE_UNDO_SESSION_KEY = "inbox_close_undo"
_SERVICE_ERRORS = (ConflictError, PermissionDenied, ValidationError)


def _access(request: HttpRequest) -> list[int] | None:
    """The departments this person's inbox shows. People with no officer or admin role
    (SMEs, approvers) work from their review list instead."""
    department_ids, roles = inbox_access(user=request.user)  # type: ignore[arg-type]
    # The header's navigation reads the same roles (responder_ui).
    request._responder_roles = roles  # type: ignore[attr-defined]
    if not roles & {Role.OFFICER, Role.ADMIN}:
        raise _NotAnOfficer
    return department_ids


class _NotAnOfficer(Exception):
    pass


def _not_an_officer(request: HttpRequest) -> HttpResponse:
    department_ids, _roles = inbox_access(user=request.user)  # type: ignore[arg-type]
    if department_ids:
        return redirect("/review/mine/")
    raise DjangoPermissionDenied(_("You have no role in any department yet."))


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _echo_options(request: HttpRequest) -> InboxOptions:
    def ids(name: str) -> list[tuple[int, str]]:
        value = request.GET.get(name, "")
        return [(int(value), value)] if value.isdigit() and len(value) < 19 else []

    return InboxOptions(accounts=ids("account"), topics=ids("topic"), officers=ids("owner"))


def _more_active(filters: InboxFilters) -> int:
    """How many of the filters behind "More filters" are on (the closed control says so)."""
    return sum(
        bool(value)
        for value in (
            filters.platform,
            filters.account_id,
            filters.language,
            filters.topic_id,
            filters.owner_id,
            filters.mine,
            filters.unassigned,
            filters.overdue,
            filters.personal,
            filters.due_soon,
            filters.changes_requested,
        )
    )


def _count_label(n: int, cap: int) -> str:
    return f"{cap - 1}+" if n >= cap else str(n)


def _poll_query(query: str, newest: Cursor | None, cases: list[InboxRow]) -> str:
    """What the live poll sends back: the filters, the newest case shown (only the
    first page counts arrivals) and each shown case's version."""
    params = QueryDict(query, mutable=True)
    if newest is not None:
        params["newest"] = newest.encode()
    params["shown"] = ",".join(f"{c.pk}.{c.version}" for c in cases)
    params["known"] = "0-0"
    return params.urlencode()


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    try:
        department_ids = _access(request)
    except _NotAnOfficer:
        return _not_an_officer(request)
    user: User = request.user  # type: ignore[assignment]
    open_id = pane_case_id(request)
    if request.htmx and request.headers.get("HX-Target") == "reading-pane":  # type: ignore[attr-defined]
        # The list's script asks for the reading pane alone: the list stays as it is.
        response = render(request, "inbox/_pane.html", pane_context(request, open_id))
        # The same address serves the whole page: never let a cache answer one for the other.
        response["Cache-Control"] = "no-store"
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response
    now = timezone.now()
    language = get_language() or "en"
    options = inbox_options(department_ids=department_ids, language=language)
    form = InboxFilterForm(request.GET, options=options)
    filters = form.filters()
    query = form.query_string()
    page = inbox_page(
        user=user,
        department_ids=department_ids,
        filters=filters,
        before=Cursor.decode(request.GET.get("before")),
        after=Cursor.decode(request.GET.get("after")),
        now=now,
    )
    inbox_decorate(
        page.cases,
        now=now,
        language=language,
        account_names=options.account_names,
        owner_names=dict(options.officers),
        topic_names=dict(options.topics),
    )
    state_badges = [
        {"value": value, "label": label, "current": filters.state == value}
        for value, label in CaseState.choices
    ]
    selects = form.selects()
    context = {
        **pane_context(request, open_id),
        "form": form,
        "rows_html": inbox_rows_html(
            page.cases, now=now, ticked=set(request.session.pop(TICKED_SESSION_KEY, []))
        ),
        # The compact bar shows search, state and sort; the rest is behind "More filters".
        "quick_selects": [x for x in selects if x["name"] in QUICK_FILTERS],
        "more_selects": [x for x in selects if x["name"] not in QUICK_FILTERS],
        "more_active": _more_active(filters),
        "filters": filters,
        "query": query,
        "page": page,
        "cases": page.cases,
        "now": now,
        "state_badges": state_badges,
        "saved_views": saved_views_for(user=user),
        "shared_views": shared_views_for(department_ids=department_ids),
        "share_departments": (shareable := share_departments(user=user)),
        "share_department_ids": {pk for pk, _name in shareable},
        "officers_html": options_html(options.officers),
        "close_reasons_html": options_html(CloseReason.choices),
        # "N new" counts arrivals above the first row: only newest first has them there.
        "poll_query": _poll_query(
            query,
            page.newest if page.is_first and filters.ordering == Sort.NEWEST else None,
            page.cases,
        ),
        "ordering": filters.ordering,
        "new": 0,
        "changed": 0,
        "full_path": request.get_full_path(),
        "close_undo": _close_undo_offer(request, now),
    }
    response = render(request, "inbox/inbox.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_GET
def inbox_counts_view(request: HttpRequest) -> HttpResponse:
    """The sidebar's badges (cases per state, mine, overdue), fetched by the page just
    after it loads and every 15 seconds: out-of-band swaps of the badges alone, so
    neither the links nor the keyboard focus move."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)  # not a redirect: htmx would follow it
    try:
        department_ids = _access(request)
    except _NotAnOfficer:
        return HttpResponse(status=403)
    counts = inbox_counts(user=request.user, department_ids=department_ids)  # type: ignore[arg-type]
    context = {
        "state_badges": [
            {"value": value, "count": _count_label(counts[value], COUNT_CAP)}
            for value in CaseState.values
        ],
        "mine_count": _count_label(counts["mine"], SMALL_COUNT_CAP),
        "unassigned_count": _count_label(counts["unassigned"], COUNT_CAP),
        "overdue_count": _count_label(counts["overdue"], SMALL_COUNT_CAP),
        "due_soon_count": _count_label(counts["due_soon"], SMALL_COUNT_CAP),
    }
    response = render(request, "inbox/inbox.html#counts", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def inbox_live(request: HttpRequest) -> HttpResponse:
    """Polled every few seconds: how many new cases arrived above the newest one shown,
    and how many shown cases changed. 204 (nothing to swap) when that is unchanged."""
    if not request.user.is_authenticated:
        # Not a redirect: htmx would follow it and swap the login page into the notice.
        return HttpResponse(status=401)
    try:
        department_ids = _access(request)
    except _NotAnOfficer:
        return HttpResponse(status=403)
    user: User = request.user  # type: ignore[assignment]
    # The poll runs every few seconds for every open inbox: take the id filters as
    # given instead of loading the menus (the department scope still applies).
    form = InboxFilterForm(request.GET, options=_echo_options(request))
    shown: dict[int, int] = {}
    for pair in request.GET.get("shown", "").split(",")[:200]:
        pk, _sep, version = pair.partition(".")
        if pk.isdigit() and version.isdigit():
            shown[int(pk)] = int(version)
    new, changed = live_counts(
        user=user,
        department_ids=department_ids,
        filters=form.filters(),
        newest=Cursor.decode(request.GET.get("newest")),
        shown=shown,
    )
    known = f"{new}-{changed}"
    if request.GET.get("known", "0-0") == known:
        return HttpResponse(status=204)
    params = request.GET.copy()
    params["known"] = known
    context = {
        "new": new,
        "new_label": _count_label(new, NEW_COUNT_CAP),
        "changed": changed,
        "poll_query": params.urlencode(),
        "show_url": "/?" + form.query_string() if form.query_string() else "/",
    }
    return render(request, "inbox/inbox.html#live", context)


@login_required
@require_POST
def inbox_claim(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        department_ids = _access(request)
    except _NotAnOfficer:
        return _not_an_officer(request)
    if not inbox_visible_ids(department_ids=department_ids, ids=[case_id]):
        messages.error(request, _("Case #%(id)s was not found.") % {"id": case_id})
        return HttpResponseRedirect(_safe_next(request))
    try:
        services.case_claim(
            case_id=case_id,
            actor=request.user,  # type: ignore[arg-type]
            via="web",
        )
    except _SERVICE_ERRORS as exc:
        messages.error(request, _("Case #%(id)s: %(error)s") % {"id": case_id, "error": exc})
    else:
        messages.success(request, _("You hold case #%(id)s now.") % {"id": case_id})
    return HttpResponseRedirect(_safe_next(request))


@login_required
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Close or assign the ticked cases, one service call each; report each conflict."""
    try:
        department_ids = _access(request)
    except _NotAnOfficer:
        return _not_an_officer(request)
    user: User = request.user  # type: ignore[assignment]
    back = _safe_next(request)
    ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()][:BULK_LIMIT]
    if not ids:
        messages.error(request, _("Tick at least one case first."))
        return HttpResponseRedirect(back)
    options = inbox_options(department_ids=department_ids)
    form = BulkForm(request.POST, options=options)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        _keep_ticked(request, ids)
        return HttpResponseRedirect(back)
    visible = inbox_visible_ids(department_ids=department_ids, ids=ids)
    action = form.cleaned_data["action"]
    assignee = None
    if action == "assign":
        assignee = User.objects.filter(pk=form.cleaned_data["assignee"], is_active=True).first()
    done: list[int] = []
    closed: list[tuple[int, int]] = []  # (id, version after the close), for its undo
    problems: list[str] = []
    for case_id in ids:
        if case_id not in visible:
            problems.append(_("Case #%(id)s was not found.") % {"id": case_id})
            continue
        try:
            if action == "close":
                case = services.case_close(
                    case_id=case_id,
                    actor=user,
                    via="web",
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data.get("note") or "",
                )
                closed.append((case.pk, case.version))
            else:
                assert assignee is not None
                services.case_assign(
                    case_id=case_id,
                    actor=user,
                    assignee=assignee,
                    via="web",
                    reason=form.cleaned_data["assign_reason"],
                )
        except _SERVICE_ERRORS as exc:
            problems.append(_("Case #%(id)s: %(error)s") % {"id": case_id, "error": exc})
        else:
            done.append(case_id)
    if done:
        if action == "close":
            text = ngettext("Closed %(n)d case.", "Closed %(n)d cases.", len(done))
        else:
            text = ngettext(
                "Assigned %(n)d case to %(person)s.",
                "Assigned %(n)d cases to %(person)s.",
                len(done),
            )
        messages.success(request, text % {"n": len(done), "person": assignee})
        _close_undo_offer_keep(request, closed)
    if problems:
        header = ngettext(
            "%(n)d case was left unchanged:", "%(n)d cases were left unchanged:", len(problems)
        ) % {"n": len(problems)}
        messages.error(request, header + " " + " ".join(problems))
        _keep_ticked(request, [pk for pk in ids if pk not in done])
    return HttpResponseRedirect(back)


def _close_undo_offer_keep(request: HttpRequest, closed: list[tuple[int, int]]) -> None:
    """Remember this person's bulk close for its undo, while the hold lasts."""
    request.session.pop(CLOSE_UNDO_SESSION_KEY, None)
    hold = close_undo_hold(case_ids=[pk for pk, _version in closed]) if closed else 0
    if hold:
        request.session[CLOSE_UNDO_SESSION_KEY] = {
            "cases": [list(pair) for pair in closed],
            "at": timezone.now().isoformat(),
            "until": (timezone.now() + dt.timedelta(seconds=hold)).isoformat(),
        }


def _close_undo_offer(request: HttpRequest, now: dt.datetime) -> dict[str, int] | None:
    """The inbox's "Closed N cases: Undo" offer, while the hold of the last bulk
    close lasts; None after it."""
    offer = request.session.get(CLOSE_UNDO_SESSION_KEY)
    if not offer:
        return None
    left = (dt.datetime.fromisoformat(offer["until"]) - now).total_seconds()
    if left <= 0:
        request.session.pop(CLOSE_UNDO_SESSION_KEY, None)
        return None
    return {"count": len(offer["cases"]), "seconds_left": max(1, int(left + 0.999))}


@login_required
@require_POST
def inbox_bulk_undo(request: HttpRequest) -> HttpResponse:
    """Undo this person's last bulk close within the hold: reopen its cases."""
    try:
        _access(request)
    except _NotAnOfficer:
        return _not_an_officer(request)
    offer = request.session.pop(CLOSE_UNDO_SESSION_KEY, None)
    if not offer:
        messages.error(request, _("There is no close to undo."))
        return HttpResponseRedirect(_safe_next(request))
    try:
        reopened = cases_close_undo(
            closed=[(int(pk), int(version)) for pk, version in offer["cases"]],
            closed_at=dt.datetime.fromisoformat(offer["at"]),
            actor=request.user,  # type: ignore[arg-type]
            via="web",
        )
    except _SERVICE_ERRORS as exc:
        messages.error(request, str(getattr(exc, "message", None) or exc))
    else:
        messages.success(
            request,
            ngettext("Undone: %(n)d case reopened.", "Undone: %(n)d cases reopened.", len(reopened))
            % {"n": len(reopened)},
        )
    return HttpResponseRedirect(_safe_next(request))


def _keep_ticked(request: HttpRequest, ids: list[int]) -> None:
    """After a refused bulk action the page comes back with the same cases ticked
    (those left unchanged), so the officer can fix the form and try again."""
    request.session[TICKED_SESSION_KEY] = ids[:BULK_LIMIT]
