"""Names in the reader's language for what the analytics figures carry as codes:
platforms (`mastodon`), languages (`en`), topics (`lost-stolen`), and the approval
layers and policies that steps copied in English (with their French names).

The dashboard's data is cached for every reader, so names are put on at the last
moment: chart labels and page tables by name; a CSV keeps the codes of platforms,
languages and topics (stable keys for a spreadsheet) and gives layer and policy names
in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy

from responder.inbox.models import CaseLanguage, Platform, Topic
from responder.localized_names import localized, reader_is_french
from workflows.models import ApprovalLayer, ApprovalPolicy

DIMENSION_LABELS = {
    "department": gettext_lazy("department"),
    "platform": gettext_lazy("platform"),
    "language": gettext_lazy("language"),
    "topic": gettext_lazy("topic"),
}


class Coded(str):
    """A code that a page shows by its name (`label`); CSV writes the code itself."""

    label: str

    def __new__(cls, code: str, label: str) -> Coded:
        obj = super().__new__(cls, code)
        obj.label = label
        return obj


def dimension_names(dimension: str, keys: Iterable[Any]) -> dict[str, str]:
    """Code -> name in the reader's language, for platforms, languages and topics."""
    if dimension == "platform":
        return {str(value): str(label) for value, label in Platform.choices}
    if dimension == "language":
        return {str(value): str(label) for value, label in CaseLanguage.choices}
    if dimension == "topic":
        slugs = [str(k) for k in keys]
        return {
            slug: localized(en, fr)
            for slug, en, fr in Topic.objects.filter(slug__in=slugs).values_list(
                "slug", "name_en", "name_fr"
            )
        }
    return {}


def named_keys(dimension: str, keys: list[Any]) -> list[str]:
    """The keys as names (a key without a name stays as it is)."""
    names = dimension_names(dimension, keys)
    return [names.get(str(k), str(k)) for k in keys]


def coded_keys(dimension: str, keys: list[Any]) -> list[Any]:
    """The keys as Coded (name on the page, code in CSV); others unchanged."""
    names = dimension_names(dimension, keys)
    return [Coded(str(k), names[str(k)]) if str(k) in names else k for k in keys]


class LayerNames:
    """French names of the policies and layers that steps copied in English, read
    once (two small tables); English readers get the names as copied."""

    def __init__(self) -> None:
        self.french = reader_is_french()
        self.policies: dict[str, str] = {}
        self.layers: dict[tuple[str, str], str] = {}
        if self.french:
            self.policies = dict(ApprovalPolicy.objects.values_list("name", "name_fr"))
            self.layers = {
                (policy, name): name_fr
                for policy, name, name_fr in ApprovalLayer.objects.values_list(
                    "policy__name", "name", "name_fr"
                )
            }

    def policy(self, name: str) -> str:
        return localized(name, self.policies.get(name, "")) if self.french else name

    def layer(self, policy: str, name: str) -> str:
        return localized(name, self.layers.get((policy, name), "")) if self.french else name

    def label(self, row: dict[str, Any]) -> str:
        """Policy · 1. Layer, for a layer row of the figures."""
        policy, layer = self.policy(row["policy"]), self.layer(row["policy"], row["layer"])
        return f"{policy} · {row['position']}. {layer}"
