"""Who holds a case and whether it is open: claim, release, take over, tag, close,
reopen, and retry a failed post. Each view reads its form and calls one service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from responder.channels import services as channel_services
from responder.inbox import services
from responder.inbox.case_risk import case_risk_set
from responder.web.case_forms import CloseForm, RiskForm, SubmitForm, TagForm, TakeOverForm
from responder.web.views.case.page import VIA, act, button_action, failure, form_error


@login_required
@require_POST
def case_claim(request: HttpRequest, case_id: int) -> HttpResponse:
    form = SubmitForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    return act(
        request,
        case_id,
        lambda u: services.case_claim(case_id=case_id, actor=u, via=VIA, expected_version=version),
        _("You hold this case now."),
    )


case_release = button_action(services.case_release, gettext_lazy("Case released."))


@login_required
@require_POST
def case_take_over(request: HttpRequest, case_id: int) -> HttpResponse:
    form = TakeOverForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, _("Say why you are taking this case over."), 400)
    return act(
        request,
        case_id,
        lambda u: services.case_take_over(
            case_id=case_id, actor=u, via=VIA, reason=form.cleaned_data["reason"]
        ),
        _("You took this case over."),
    )


@login_required
@require_POST
def case_tag(request: HttpRequest, case_id: int) -> HttpResponse:
    form = TagForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, form_error(form), 400)
    topic_ids = [t.pk for t in form.cleaned_data["topics"]]
    return act(
        request,
        case_id,
        lambda u: services.case_tag(
            case_id=case_id,
            actor=u,
            via=VIA,
            topic_ids=topic_ids,
            risk=form.cleaned_data["risk"] or None,
        ),
        _("Topics saved."),
    )


@login_required
@require_POST
def case_risk(request: HttpRequest, case_id: int) -> HttpResponse:
    form = RiskForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, form_error(form), 400)
    return act(
        request,
        case_id,
        lambda u: case_risk_set(
            case_id=case_id,
            actor=u,
            risk=form.cleaned_data["risk"],
            reason=form.cleaned_data["reason"],
            via=VIA,
            expected_version=form.cleaned_data["version"],
        ),
        _("Risk saved."),
    )


@login_required
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    form = CloseForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, _("Choose a reason for closing."), 400)
    return act(
        request,
        case_id,
        lambda u: services.case_close(
            case_id=case_id,
            actor=u,
            via=VIA,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        ),
        _("Case closed."),
    )


case_reopen = button_action(services.case_reopen, gettext_lazy("Case reopened."))


case_retry = button_action(
    channel_services.case_retry_post, gettext_lazy("The reply will be posted again.")
)


case_revise = button_action(
    services.case_revise, gettext_lazy("Change the reply, then submit it again.")
)
