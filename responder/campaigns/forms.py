from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"


class ComposeForm(forms.Form):
    accounts = forms.TypedMultipleChoiceField(
        label=_("Post on"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    text_en = forms.CharField(
        label=_("English"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A thread: separate its posts with a line holding only ---."),
    )
    text_fr = forms.CharField(
        label=_("French"),
        widget=forms.Textarea(attrs={"rows": 5, "lang": "fr"}),
        help_text=_("The same posts, in French, separated the same way."),
    )
    scheduled_for = forms.DateTimeField(
        label=_("Post at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: posted as soon as it is approved."),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    alt_en = forms.CharField(
        label=_("Alt text (English)"),
        required=False,
        max_length=1000,
        help_text=_("Required with an image: what it shows, for people who cannot see it."),
    )
    alt_fr = forms.CharField(label=_("Alt text (French)"), required=False, max_length=1000)

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["accounts"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = accounts
