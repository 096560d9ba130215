"""Forms of the case page. They only clean input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from responder.inbox.models import CloseReason, Risk, Topic


class DraftForm(forms.Form):
    text = forms.CharField(label=_("Reply"), max_length=5000, strip=True)
    language = forms.ChoiceField(
        label=_("Language of the reply"), choices=[("en", _("English")), ("fr", _("French"))]
    )
    library_answer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CheckForm(forms.Form):
    """The editor's text for the live checks; an empty text is fine here."""

    text = forms.CharField(required=False, max_length=5000, strip=False)
    language = forms.ChoiceField(
        required=False, choices=[("", ""), ("en", _("English")), ("fr", _("French"))]
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CloseReason.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=1000)


class TakeOverForm(forms.Form):
    reason = forms.CharField(label=_("Why are you taking this case over?"), max_length=500)


class TagForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.all(), required=False
    )
    # The page sets risk with RiskForm; the API and older forms may still send it here.
    risk = forms.ChoiceField(label=_("Risk"), choices=Risk.choices, required=False)


class RiskForm(forms.Form):
    risk = forms.ChoiceField(label=_("Risk"), choices=Risk.choices)
    reason = forms.CharField(
        label=_("Reason (needed to lower the risk)"), required=False, max_length=500
    )
    version = forms.IntegerField(required=False, min_value=1)


class SubmitForm(forms.Form):
    # The case version the page showed: a submit of a case that moved on is refused.
    version = forms.IntegerField(required=False, min_value=1)
