"""Forms of the review pages: a reviewer's decision, a comment, a consultation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from responder.accounts.models import User
from workflows.consultations import COMMENT_MAX_LENGTH


class ReviewAction:
    APPROVE = "approve"
    EDIT_APPROVE = "edit_approve"
    REQUEST_CHANGES = "request_changes"
    COMMENT = "comment"


DECISION_ACTIONS = (ReviewAction.APPROVE, ReviewAction.EDIT_APPROVE, ReviewAction.REQUEST_CHANGES)


class ReviewDecisionForm(forms.Form):
    """One form, several submit buttons: the button pressed names the action."""

    action = forms.ChoiceField(
        choices=[
            (ReviewAction.APPROVE, _("Approve")),
            (ReviewAction.EDIT_APPROVE, _("Approve my edited version")),
            (ReviewAction.REQUEST_CHANGES, _("Send back with changes requested")),
            (ReviewAction.COMMENT, _("Add a comment")),
        ]
    )
    edited_text = forms.CharField(
        label=_("Edit the reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
    )
    comment = forms.CharField(
        label=_("Comment for the officer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
    )

    def __init__(self, *args: Any, allowed: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed or tuple(v for v, _label in self.fields["action"].choices)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action and action not in self.allowed:
            raise forms.ValidationError(_("This link does not allow that action."))
        if action == ReviewAction.REQUEST_CHANGES and not data.get("comment", "").strip():
            self.add_error("comment", _("Say what should change: a comment is required."))
        if action == ReviewAction.COMMENT and not data.get("comment", "").strip():
            self.add_error("comment", _("Write a comment first."))
        if action == ReviewAction.EDIT_APPROVE and not data.get("edited_text", "").strip():
            self.add_error("edited_text", _("The edited reply is empty."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_MAX_LENGTH,
    )


class ExpertChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        departments = ", ".join(sorted({m.department.name for m in obj.memberships.all()}))
        return f"{obj} ({departments})" if departments else str(obj)


class ConsultationForm(forms.Form):
    expert = ExpertChoiceField(label=_("Expert"), queryset=User.objects.none())
    question = forms.CharField(
        label=_("What would you like to know?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX_LENGTH,
    )

    def __init__(self, *args: Any, experts: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in experts or []]
        self.fields["expert"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=ids
        ).prefetch_related("memberships__department")
