"""Forms of the inbox page. They only clean input; selectors and services decide."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from responder.inbox.models import CaseLanguage, CaseState, CloseReason, Platform
from responder.web.inbox_rows import options_html
from responder.web.inbox_selectors import InboxFilters, InboxOptions
from responder.web.inbox_selectors.filters import Sort

FILTER_FIELDS = (
    "state",
    "platform",
    "account",
    "language",
    "topic",
    "owner",
    "mine",
    "unassigned",
    "overdue",
    "personal",
    "due_soon",
    "changes_requested",
    "sort",
    "q",
)


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search text or author"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("State"), required=False)
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    account = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int)
    language = forms.ChoiceField(label=_("Language"), required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int)
    mine = forms.BooleanField(label=_("Mine"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    personal = forms.BooleanField(label=_("Personal information"), required=False)
    due_soon = forms.BooleanField(label=_("Due soon"), required=False)
    changes_requested = forms.BooleanField(label=_("Changes requested"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Default (deadline for new cases, else newest)")),
            (Sort.DEADLINE, _("Deadline, soonest first")),
            (Sort.PRIORITY, _("Priority, urgent first")),
            (Sort.NEWEST, _("Newest first")),
            (Sort.OLDEST, _("Oldest first")),
        ],
    )

    def __init__(self, *args: Any, options: InboxOptions, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        fields: dict[str, Any] = self.fields
        fields["state"].choices = anything + list(CaseState.choices)
        fields["platform"].choices = anything + list(Platform.choices)
        fields["language"].choices = anything + list(CaseLanguage.choices)
        fields["account"].choices = anything + options.accounts
        fields["topic"].choices = anything + options.topics
        fields["owner"].choices = anything + options.officers

    def filters(self) -> InboxFilters:
        """The cleaned filters; anything invalid is dropped rather than refused."""
        self.is_valid()  # cleaned_data keeps only the valid fields
        data = self.cleaned_data
        return InboxFilters(
            state=data.get("state") or "",
            platform=data.get("platform") or "",
            account_id=data.get("account") or None,
            language=data.get("language") or "",
            topic_id=data.get("topic") or None,
            owner_id=data.get("owner") or None,
            mine=bool(data.get("mine")),
            unassigned=bool(data.get("unassigned")),
            overdue=bool(data.get("overdue")),
            personal=bool(data.get("personal")),
            due_soon=bool(data.get("due_soon")),
            changes_requested=bool(data.get("changes_requested")),
            sort=data.get("sort") or "",
            q=(data.get("q") or "").strip(),
        )

    def selects(self) -> list[dict[str, Any]]:
        """The menus as plain data: the page writes the <select>s itself, which is
        several times faster than rendering widgets through the form renderer."""
        f = self.filters()
        current = {
            "state": f.state,
            "platform": f.platform,
            "account": str(f.account_id or ""),
            "language": f.language,
            "topic": str(f.topic_id or ""),
            "owner": str(f.owner_id or ""),
            "sort": f.sort,
        }
        fields: dict[str, Any] = self.fields
        return [
            {
                "name": name,
                "id": f"id_{name}",
                "label": fields[name].label,
                "options_html": options_html(fields[name].choices, current[name]),
            }
            for name in ("state", "platform", "account", "language", "topic", "owner", "sort")
        ]

    def query_string(self) -> str:
        """The active filters as a query string (for links and saved views)."""
        f = self.filters()
        pairs: list[tuple[str, str]] = []
        for name, value in (
            ("q", f.q),
            ("state", f.state),
            ("platform", f.platform),
            ("account", f.account_id),
            ("language", f.language),
            ("topic", f.topic_id),
            ("owner", f.owner_id),
            ("sort", f.sort),
        ):
            if value:
                pairs.append((name, str(value)))
        for name, flag in (
            ("mine", f.mine),
            ("unassigned", f.unassigned),
            ("overdue", f.overdue),
            ("personal", f.personal),
            ("due_soon", f.due_soon),
            ("changes_requested", f.changes_requested),
        ):
            if flag:
                pairs.append((name, "on"))
        return urlencode(pairs)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    # Department admins may share the view with a department they administer.
    share = forms.BooleanField(required=False)
    # The service checks (authz) that the person administers this department.
    share_with = forms.IntegerField(required=False, min_value=1)
    name_fr = forms.CharField(required=False, max_length=80)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("share") and not data.get("share_with"):
            raise forms.ValidationError(_("Choose the department to share the view with."))
        return data


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("close", _("Close")), ("assign", _("Assign"))])
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=CloseReason.choices, required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    assignee = forms.TypedChoiceField(label=_("Assign to"), required=False, coerce=int)
    assign_reason = forms.CharField(label=_("Why"), required=False, max_length=500)

    def __init__(self, *args: Any, options: InboxOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["assignee"].choices = [("", ""), *options.officers]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "close" and not data.get("reason"):
            self.add_error("reason", _("Choose why these cases are closed."))
        if data.get("action") == "assign":
            if not data.get("assignee"):
                self.add_error("assignee", _("Choose who gets these cases."))
            if not (data.get("assign_reason") or "").strip():
                self.add_error("assign_reason", _("Say why you assign these cases."))
        return data
