"""The campaigns' pages: list, campaign page, compose, calendar, community (hashtag
view) with its actions, and figures with CSV. Thin: selectors read, services write."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.campaigns import selectors, services, threads
from responder.campaigns.forms import ComposeForm
from responder.campaigns.models import ActionKind, Campaign
from responder.campaigns.opportunities import campaign_opportunities
from responder.errors import ConflictError, ValidationError

VIA = "web"


def _campaign(request: HttpRequest, pk: int, action: Action = Action.CAMPAIGN_VIEW) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("department", "owner"), pk=pk)
    if not authz.may(request.user, Action.CAMPAIGN_VIEW, campaign):
        raise Http404  # a campaign of another department does not exist for this reader
    if action != Action.CAMPAIGN_VIEW:  # viewing was just allowed
        authz.require(request.user, action, campaign)
    return campaign


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "campaigns/list.html", {"campaigns": selectors.campaigns_for(user=user)})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    community = selectors.community_page(campaign=campaign, limit=10)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "posts": selectors.campaign_posts(campaign=campaign),
            "community": community,
            "figures": selectors.campaign_figures(campaign=campaign),
            "opportunities": campaign_opportunities(campaign=campaign),
            "may_work": authz.may(request.user, Action.CAMPAIGN_WORK, campaign),
        },
    )


@login_required
def campaign_compose(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, Action.CAMPAIGN_WORK)
    accounts = [(a.pk, str(a)) for a in campaign.accounts.filter(is_active=True)]
    form = ComposeForm(request.POST or None, request.FILES or None, accounts=accounts)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            images = []
            if data.get("image"):
                upload = data["image"]
                images.append(
                    services.ImageUpload(
                        data=upload.read(),
                        mime=upload.content_type or "",
                        alt_en=data.get("alt_en") or "",
                        alt_fr=data.get("alt_fr") or "",
                    )
                )
            try:
                services.campaign_post_compose(
                    campaign_id=campaign.pk,
                    actor=request.user,  # type: ignore[arg-type]
                    via=VIA,
                    account_ids=data["accounts"],
                    texts_en=_posts(data["text_en"]),
                    texts_fr=_posts(data["text_fr"]),
                    scheduled_for=data.get("scheduled_for"),
                    images=images,
                )
            except (ValidationError, ConflictError) as exc:
                text = exc.message if isinstance(exc, ConflictError) else " ".join(exc.messages)
                form.add_error(None, text)
                status = 400
            else:
                messages.success(request, _("Post submitted for approval."))
                return redirect(reverse("campaigns:detail", args=[campaign.pk]))
        else:
            status = 400
    return render(
        request, "campaigns/compose.html", {"campaign": campaign, "form": form}, status=status
    )


def _posts(text: str) -> list[str]:
    """The posts of a thread typed in one box, separated by a line holding only ---."""
    posts: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() in ("---", "==="):
            posts.append([])
        else:
            posts[-1].append(line)
    return ["\n".join(p).strip() for p in posts if "\n".join(p).strip()]


@login_required
def campaign_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(
        request,
        "campaigns/calendar.html",
        {"campaign": campaign, "days": selectors.campaign_calendar(campaign=campaign)},
    )


@login_required
def campaign_community(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    page = selectors.community_page(campaign=campaign, before=request.GET.get("before"))
    return render(
        request,
        "campaigns/community.html",
        {
            "campaign": campaign,
            "page": page,
            "may_work": authz.may(request.user, Action.CAMPAIGN_WORK, campaign),
            "kinds": ActionKind,
        },
    )


def _acted(request: HttpRequest, effect: Callable[[], object], done: str) -> None:
    """Run a campaign service; say `done`, or why it was refused (nothing changed)."""
    try:
        effect()
    except ConflictError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)


@login_required
@require_POST
def community_act(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, Action.CAMPAIGN_WORK)
    _acted(
        request,
        lambda: services.community_act(
            campaign_id=campaign.pk,
            case_id=_int(request.POST.get("case")),
            actor=request.user,  # type: ignore[arg-type]
            via=VIA,
            kind=request.POST.get("kind", ""),
        ),
        _("Done. A boost or favourite can be undone for a moment."),
    )
    return redirect(reverse("campaigns:community", args=[campaign.pk]))


@login_required
@require_POST
def community_undo(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk, Action.CAMPAIGN_WORK)
    _acted(
        request,
        lambda: services.community_undo(
            campaign_id=campaign.pk,
            action_id=_int(request.POST.get("community_action")),
            actor=request.user,  # type: ignore[arg-type]
            via=VIA,
        ),
        _("Undone: it will not reach the platform."),
    )
    return redirect(reverse("campaigns:community", args=[campaign.pk]))


@login_required
@require_POST
def campaign_thread_stalled(request: HttpRequest, pk: int) -> HttpResponse:
    """Retry a stalled thread, or cancel what is left of it (campaigns/threads.py)."""
    campaign = _campaign(request, pk, Action.CAMPAIGN_WORK)
    action = request.POST.get("action")
    if action not in ("retry", "cancel"):
        messages.error(request, _("Unknown action."))
        return redirect(reverse("campaigns:detail", args=[campaign.pk]))
    retry = action == "retry"
    act = threads.campaign_thread_retry if retry else threads.campaign_thread_cancel
    _acted(
        request,
        lambda: act(
            campaign_id=campaign.pk,
            post_id=_int(request.POST.get("post")),
            actor=request.user,  # type: ignore[arg-type]
            via=VIA,
        ),
        _("Put back in line: the thread goes on in order.")
        if retry
        else _("Cancelled: the rest will not be posted."),
    )
    return redirect(reverse("campaigns:detail", args=[campaign.pk]))


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _figure_tables(figures: selectors.CampaignFigures) -> list[dict[str, Any]]:
    return [
        {
            "name": "posts",
            "title": _("Engagement per post"),
            "header": [
                _("Account"),
                _("Post"),
                _("Favourites"),
                _("Boosts"),
                _("Replies"),
                _("Quotes"),
                _("Impressions"),
            ],
            "rows": [row[:7] for row in figures.posts],
        },
        {
            "name": "followers",
            "title": _("Followers per account"),
            "header": [_("Day"), _("Account"), _("Followers")],
            "rows": figures.followers,
        },
        {
            "name": "volume",
            "title": _("Community posts per day"),
            "header": [_("Day"), _("Posts"), _("From new voices")],
            "rows": figures.volume,
        },
    ]


@login_required
def campaign_figures(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    figures = selectors.campaign_figures(campaign=campaign)
    tables = _figure_tables(figures)
    for table in tables:
        table["bars"] = _bars(table)
    return render(
        request,
        "campaigns/figures.html",
        {"campaign": campaign, "figures": figures, "tables": tables},
    )


def _bars(table: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(label, value, width %) of the table's last numeric column, for a bar chart."""
    rows = table["rows"]
    if not rows:
        return []
    column = 2 if table["name"] != "volume" else 1
    values = [int(row[column]) for row in rows]
    top = max(values) or 1
    return [
        (" · ".join(str(v) for v in row[:column] if v != ""), value, round(100 * value / top))
        for row, value in zip(rows, values, strict=True)
    ]


@login_required
def campaign_figures_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One table of the figures as CSV: ?table=posts (default), followers or volume."""
    campaign = _campaign(request, pk)
    tables = {t["name"]: t for t in _figure_tables(selectors.campaign_figures(campaign=campaign))}
    name = request.GET.get("table", "posts")
    table = tables.get(name) or tables["posts"]
    name = table["name"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([str(h) for h in table["header"]])
    for row in table["rows"]:
        writer.writerow([_csv_safe(v) for v in row])
    return response


def _csv_safe(value: object) -> object:
    """No formula injection: a cell that a spreadsheet would run is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
