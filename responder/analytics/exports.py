"""CSV exports (every chart's data, the case list) and one case's full record."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from responder.analytics import selectors
from responder.analytics.durations import Hours
from responder.analytics.names import DIMENSION_LABELS, LayerNames, coded_keys
from responder.analytics.selectors import Filters
from responder.audit.models import AuditEvent
from responder.inbox.models import Case
from responder.inbox.pii_display import masked_text
from workflows.models import ApprovalStep

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): a text cell starting with
    = + - @ (or tab/CR) gets a leading apostrophe. Numbers are left alone."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_safe(v) for v in row])


# --- charts -----------------------------------------------------------------------

TIME_COLUMNS = [
    _("responses"),
    _("first response median (h)"),
    _("first response p90 (h)"),
    _("replies"),
    _("reply median (h)"),
    _("reply p90 (h)"),
]


def _h(value: float | None) -> Hours | None:
    """Hours, shown as a duration on the page and as the number in CSV."""
    return None if value is None else Hours(value)


def _times(rows: list[dict[str, Any]], key: str, dimension: str = "") -> list[list[Any]]:
    keys = coded_keys(dimension, [r[key] for r in rows])
    return [
        [
            k,
            r["first_n"],
            _h(r["first_median"]),
            _h(r["first_p90"]),
            r["reply_n"],
            _h(r["reply_median"]),
            _h(r["reply_p90"]),
        ]
        for k, r in zip(keys, rows, strict=True)
    ]


def _dimension(name: str) -> Any:
    """A dimension's column header in the reader's language."""
    return DIMENSION_LABELS.get(name, name)


Table = tuple[list[Any], list[list[Any]]]


def over_time_table(data: dict[str, Any]) -> Table:
    return [_("period"), *TIME_COLUMNS], _times(data["rows"], "period")


def by_table(dimension: str, rows: list[dict[str, Any]]) -> Table:
    return [_dimension(dimension), *TIME_COLUMNS], _times(rows, "key", dimension)


def layers_table(rows: list[dict[str, Any]]) -> Table:
    names = LayerNames()
    return (
        [
            _("policy"),
            _("layer"),
            _("name"),
            _("decided drafts"),
            _("median (h)"),
            _("p90 (h)"),
            _("total hours"),
            _("edited"),
            _("sent back"),
            _("share edited"),
            _("share sent back"),
            _("adds time, changes nothing"),
        ],
        [
            [
                names.policy(r["policy"]),
                r["position"],
                names.layer(r["policy"], r["layer"]),
                r["n"],
                _h(r["median"]),
                _h(r["p90"]),
                _h(r["total_hours"]),
                r["changed"],
                r["sent_back"],
                r["changed_share"],
                r["sent_back_share"],
                _("yes") if r["no_effect"] else _("no"),
            ]
            for r in rows
        ],
    )


def sla_layers_table(rows: list[dict[str, Any]]) -> Table:
    names = LayerNames()
    return (
        [_("policy"), _("layer"), _("name"), _("met"), _("breached"), _("share breached")],
        [
            [
                names.policy(r["policy"]),
                r["position"],
                names.layer(r["policy"], r["layer"]),
                r["met"],
                r["breached"],
                r["breached_share"],
            ]
            for r in rows
        ],
    )


def sla_reviewers_table(rows: list[dict[str, Any]]) -> Table:
    return (
        [_("reviewer"), _("met"), _("breached"), _("share breached")],
        [[r["reviewer"], r["met"], r["breached"], r["breached_share"]] for r in rows],
    )


def volumes_table(dimension: str, rows: list[dict[str, Any]]) -> Table:
    return (
        [_dimension(dimension), _("questions in"), _("answered"), _("closed unanswered")],
        [
            [k, r["received"], r["answered"], r["closed"]]
            for k, r in zip(coded_keys(dimension, [r["key"] for r in rows]), rows, strict=True)
        ],
    )


def target_table(group: str, rows: list[dict[str, Any]]) -> Table:
    return (
        [
            _("week") if group == "week" else _dimension(group),
            _("answered within target"),
            _("answered late or still late"),
            _("waiting, not yet due"),
            _("share within target (%)"),
        ],
        [
            [k, r["met"], r["missed"], r["waiting"], r["share"]]
            for k, r in zip(coded_keys(group, [r["key"] for r in rows]), rows, strict=True)
        ],
    )


def library_table(d: dict[str, Any]) -> Table:
    return (
        [_("replies posted"), _("unchanged library answers"), _("share")],
        [[d["replied"], d["from_library"], d["share"]]],
    )


def due_table(answers: Iterable[Any]) -> Table:
    return (
        [_("answer"), _("owner"), _("review by"), _("pre-approved")],
        [
            [a.title_en, str(a.owner or ""), a.review_date.isoformat(), a.is_pre_approved]
            for a in answers
        ],
    )


def engagement_table(d: dict[str, Any]) -> Table:
    if not d["available"]:
        return [_("platform")], []
    header: list[Any] = [_("platform"), _("replies measured")]
    for m in d["metrics"]:
        header += [m, f"{m} (avg)"]
    rows = []
    keys = coded_keys("platform", [r["key"] for r in d["rows"]])
    for key, r in zip(keys, d["rows"], strict=True):
        row = [key, r["n"]]
        for m in d["metrics"]:
            row += [r[m], r[f"{m}_avg"]]
        rows.append(row)
    return header, rows


def dashboard_tables(data: dict[str, Any], *, due: Iterable[Any]) -> dict[str, Table]:
    """Every chart's numbers as a table, keyed like CHARTS, from dashboard() data."""
    tables: dict[str, Table] = {"response-times": over_time_table(data["over_time"])}
    for dimension, rows in data["by"].items():
        tables[f"by-{dimension}"] = by_table(dimension, rows)
    tables["layers"] = layers_table(data["layers"])
    tables["sla-layers"] = sla_layers_table(data["sla_layers"])
    tables["sla-reviewers"] = sla_reviewers_table(data["sla_reviewers"])
    for dimension, rows in data["volumes"].items():
        tables[f"volumes-{dimension}"] = volumes_table(dimension, rows)
    for group, rows in data.get("target", {}).items():
        tables[f"target-{group}"] = target_table(group, rows)
    tables["library"] = library_table(data["library"])
    tables["answers-due"] = due_table(due)
    tables["engagement"] = engagement_table(data["engagement"])
    return tables


CHARTS: dict[str, Callable[[Filters], Table]] = {
    "response-times": lambda f: over_time_table(selectors.response_times_over_time(f)),
    "by-department": lambda f: by_table("department", selectors.response_times_by(f, "department")),
    "by-platform": lambda f: by_table("platform", selectors.response_times_by(f, "platform")),
    "by-language": lambda f: by_table("language", selectors.response_times_by(f, "language")),
    "by-topic": lambda f: by_table("topic", selectors.response_times_by(f, "topic")),
    "layers": lambda f: layers_table(selectors.layer_costs(f)),
    "sla-layers": lambda f: sla_layers_table(selectors.sla_by_layer(f)),
    "sla-reviewers": lambda f: sla_reviewers_table(selectors.sla_by_reviewer(f)),
    "volumes-platform": lambda f: volumes_table("platform", selectors.volumes_by(f, "platform")),
    "volumes-topic": lambda f: volumes_table("topic", selectors.volumes_by(f, "topic")),
    "target-week": lambda f: target_table(
        "week", selectors.first_response_within_target(f, "week")
    ),
    "target-platform": lambda f: target_table(
        "platform", selectors.first_response_within_target(f, "platform")
    ),
    "target-topic": lambda f: target_table(
        "topic", selectors.first_response_within_target(f, "topic")
    ),
    "library": lambda f: library_table(selectors.library_use(f)),
    "answers-due": lambda f: due_table(
        selectors.answers_due_for_review(department_ids=f.department_ids)
    ),
    "engagement": lambda f: engagement_table(selectors.engagement_by(f, "platform")),
}


# --- the case list ----------------------------------------------------------------

CASE_COLUMNS = [
    "id",
    "received_at",
    "department",
    "platform",
    "language",
    "state",
    "author_handle",
    "text",
    "topics",
    "first_response_at",
    "replied_at",
    "reply_url",
    "close_reason",
    "legal_hold",
]


def case_rows(filters: Filters) -> Iterator[list[Any]]:
    qs = (
        selectors.cases_for(filters)
        .select_related("department")
        .prefetch_related("topics")
        .order_by("received_at", "pk")
    )
    for case in qs.iterator(chunk_size=2000):
        yield [
            case.pk,
            case.received_at.isoformat(),
            case.department.name,
            case.platform,
            case.language,
            case.state,
            case.author_handle,
            masked_text(case),  # exports keep the masked copy, whoever downloads them
            ";".join(t.slug for t in case.topics.all()),
            case.first_response_at.isoformat() if case.first_response_at else "",
            case.replied_at.isoformat() if case.replied_at else "",
            case.reply_url,
            case.close_reason,
            case.legal_hold,
        ]


# --- one case's full record -------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _who(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": str(user)}


def _record_case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "department": case.department.name,
        "platform": case.platform,
        "external_id": case.external_id,
        "url": case.url,
        "author_handle": case.author_handle,
        "author_name": case.author_name,
        "language": case.language,
        "received_at": _when(case.received_at),
        "state": case.state,
        "risk": case.risk,
        "topics": [t.slug for t in case.topics.all()],
        "close_reason": case.close_reason,
        "close_note": case.close_note,
        "legal_hold": case.legal_hold,
        "personal_data_removed_at": _when(case.personal_data_removed_at),
    }


def _record_drafts(case: Case) -> list[dict[str, Any]]:
    drafts = case.drafts.select_related("author", "library_answer").order_by("version")
    return [
        {
            "version": d.version,
            "text": d.text,
            "language": d.language,
            "author": _who(d.author),
            "via": d.via,
            "created_at": _when(d.created_at),
            "library_answer": d.library_answer.title_en if d.library_answer else None,
            "library_unchanged": d.library_unchanged,
            "edited_from_version": d.edited_from.version if d.edited_from is not None else None,
        }
        for d in drafts
    ]


def _record_steps(case: Case) -> list[dict[str, Any]]:
    steps = (
        ApprovalStep.objects.filter(case=case)
        .prefetch_related("decisions__reviewer", "reviewers")
        .order_by("round", "position")
    )
    return [
        {
            "round": s.round,
            "position": s.position,
            "layer": s.name,
            "policy": s.policy_name,
            "policy_version": s.policy_version,
            "status": s.status,
            "reviewers": [_who(r) for r in s.reviewers.all()],
            "opened_at": _when(s.opened_at),
            "due_at": _when(s.due_at),
            "decided_at": _when(s.decided_at),
            "decisions": [
                {
                    "reviewer": _who(d.reviewer),
                    "decision": d.decision,
                    "comment": d.comment,
                    "via": d.via,
                    "at": _when(d.created_at),
                    "edited_draft_version": (
                        d.edited_draft.version if d.edited_draft is not None else None
                    ),
                }
                for d in s.decisions.all()
            ],
        }
        for s in steps
    ]


def _record_history(case: Case) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(case=case).select_related("actor")
    return [
        {
            "at": _when(e.created_at),
            "action": e.action,
            "actor": _who(e.actor),
            "via": e.via,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "details": e.details,
        }
        for e in events.order_by("created_at", "pk")
    ]


def case_record(case: Case) -> dict[str, Any]:
    """Everything we hold about one case, for an access-to-information request."""
    record: dict[str, Any] = {
        "case": _record_case(case),
        # The masked copy (an access-to-information record never repeats a citizen's
        # numbers); which kinds were found, and which were removed and when.
        "question": masked_text(case),
        "personal_information": {
            "masked": True,
            # Still in the stored text (masked above); what redaction removed is below.
            "kinds_found": list(case.pii_kinds),
            "redactions": list(case.personal_data_redactions),
            "removed_at": _when(case.personal_data_removed_at),
        },
        "drafts": _record_drafts(case),
        "approval_steps": _record_steps(case),
        "reply": {
            "external_id": case.reply_external_id,
            "url": case.reply_url,
            "replied_at": _when(case.replied_at),
            "text": next(
                (
                    o.text
                    for o in case.outbox_items.order_by("-created_at")
                    if o.status == "sent" and o.draft_id is not None  # not a notice
                ),
                None,
            ),
        },
        "history": _record_history(case),
    }
    comments = getattr(case, "comments", None)
    if comments is not None:
        record["comments"] = [
            {"author": _who(c.author), "text": c.text, "via": c.via, "at": _when(c.created_at)}
            for c in comments.select_related("author").order_by("created_at", "pk")
        ]
    return record
