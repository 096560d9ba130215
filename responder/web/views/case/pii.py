"""Personal information on the case page: reveal the text for a stated reason (for the
rest of the session, up to REVEAL_MINUTES) and redact the stored copy."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from responder.inbox.pii import PiiKind
from responder.inbox.pii_display import reveal_remember
from responder.inbox.pii_services import REASON_MAX, case_pii_redact, case_pii_reveal
from responder.web.views.case.page import VIA, act, failure, form_error


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need to see it?"), max_length=REASON_MAX
    )


class RedactForm(forms.Form):
    kinds = forms.MultipleChoiceField(choices=PiiKind.choices, required=False)
    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    version = forms.IntegerField(required=False)


@login_required
@require_POST
def case_reveal(request: HttpRequest, case_id: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        return failure(
            request, case_id, _("Say why you need to see the personal information."), 400
        )

    def reveal(user: object) -> None:
        case_pii_reveal(case_id=case_id, actor=user, reason=form.cleaned_data["reason"], via=VIA)
        reveal_remember(request.session, case_id)

    return act(request, case_id, reveal, _("The text is shown in full for this session."))


@login_required
@require_POST
def case_redact(request: HttpRequest, case_id: int) -> HttpResponse:
    form = RedactForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, form_error(form), 400)
    data = form.cleaned_data
    return act(
        request,
        case_id,
        lambda u: case_pii_redact(
            case_id=case_id,
            actor=u,
            via=VIA,
            kinds=data["kinds"] or None,
            start=data["start"],
            end=data["end"],
            expected_version=data["version"],
        ),
        _("Personal information removed from the stored text."),
    )
