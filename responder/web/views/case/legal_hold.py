"""The case page's legal hold: set or lift it, with a reason (department admins)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from responder.accounts.models import User
from responder.errors import ValidationError
from responder.inbox.legal_hold import REASON_MAX, case_legal_hold_set, legal_hold_require
from responder.inbox.models import Case
from responder.web.views.case.page import VIA, act, form_error


class LegalHoldForm(forms.Form):
    hold = forms.TypedChoiceField(
        choices=[("1", "set"), ("0", "lift")], coerce=lambda v: v == "1", empty_value=None
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        error_messages={"required": gettext_lazy("Say why the legal hold is set or lifted.")},
    )


@login_required
@require_POST
def case_legal_hold(request: HttpRequest, case_id: int) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    valid = form.is_valid()
    hold = bool(form.cleaned_data.get("hold")) if valid else False

    def run(user: User) -> object:
        # Who may comes first: a refused person learns nothing about the form.
        legal_hold_require(actor=user, case=Case.objects.get(pk=case_id))
        if not valid:
            raise ValidationError(form_error(form))
        return case_legal_hold_set(
            case_id=case_id, actor=user, hold=hold, reason=form.cleaned_data["reason"], via=VIA
        )

    return act(request, case_id, run, _("Legal hold set.") if hold else _("Legal hold lifted."))
