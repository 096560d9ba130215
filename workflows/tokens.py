"""Signed links in emails: one person, one approval step (or one consultation).

A token is `django.core.signing` output with its own salt: it carries the purpose,
the step or consultation id and the person's id, and the time it was made. Nothing
secret is stored: the signature proves we made it, the timestamp bounds its life
(settings.REVIEW_LINK_MAX_AGE_HOURS), and the database says whether it is still
useful (the step still open, this person not yet decided). Tokens are never logged
nor written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.inbox.models import CaseState
from workflows.models import (
    ApprovalStep,
    Consultation,
    StepDecision,
    StepReviewerRemoval,
    StepStatus,
)

SALT = "workflows.review-link.v1"


class Purpose(StrEnum):
    REVIEW = "r"
    CONSULT = "c"


class LinkProblem(StrEnum):
    TAMPERED = "tampered"
    EXPIRED = "expired"
    USED = "used"
    DECIDED = "decided"
    FOREIGN = "foreign"
    NOT_YET = "not_yet"
    REVOKED = "revoked"


# Status code, heading and advice for each way a link can fail.
PROBLEMS: dict[LinkProblem, tuple[int, object, object]] = {
    LinkProblem.TAMPERED: (
        400,
        _("This link is damaged"),
        _(
            "The link is incomplete or was changed, so it cannot be trusted. Open it again "
            "from the email, or copy the whole address into your browser. If it still fails, "
            "ask the communication officer to send the request again."
        ),
    ),
    LinkProblem.EXPIRED: (
        410,
        _("This link has expired"),
        _(
            "Approval links work for a limited time. Ask the communication officer to send "
            "the request again, or sign in to Responder and open “Waiting for me”."
        ),
    ),
    LinkProblem.USED: (
        410,
        _("You already answered this request"),
        _(
            "Your decision was recorded; this link cannot be used twice. Nothing else is "
            "needed from you. To see the case, sign in to Responder."
        ),
    ),
    LinkProblem.DECIDED: (
        410,
        _("This request was already decided"),
        _(
            "Someone decided this approval step, or the draft was withdrawn, so this link no "
            "longer works. Nothing else is needed from you."
        ),
    ),
    LinkProblem.FOREIGN: (
        403,
        _("This link is not for you"),
        _(
            "This link was sent to another person, or you are no longer a reviewer of this "
            "request. Use the link from your own email, or sign in to Responder and open "
            "“Waiting for me”."
        ),
    ),
    LinkProblem.NOT_YET: (
        409,
        _("This request is not open yet"),
        _("An earlier approval layer has not decided yet. You will get an email when it has."),
    ),
    # The view puts the date in (LinkError.since), or says REVOKED_UNDATED without one.
    LinkProblem.REVOKED: (
        410,
        _("You are no longer a reviewer of this request"),
        _(
            "You are no longer a reviewer of this request: your role changed on %(date)s. "
            "Nothing else is needed from you."
        ),
    ),
}

REVOKED_UNDATED = _(
    "You are no longer a reviewer of this request: your access was withdrawn. "
    "Nothing else is needed from you."
)


class LinkError(Exception):
    def __init__(
        self, problem: LinkProblem, *, since: dt.datetime | None = None, user: User | None = None
    ) -> None:
        super().__init__(problem.value)
        self.problem = problem
        # REVOKED: when the person was taken off the step (None: not known), and who.
        self.since = since
        self.user = user

    @property
    def status(self) -> int:
        return PROBLEMS[self.problem][0]


@dataclass(frozen=True)
class ReviewLink:
    """What a valid token says: who may act on what."""

    purpose: Purpose
    user: User
    step: ApprovalStep | None = None
    consultation: Consultation | None = None


def max_age_seconds() -> int:
    return int(settings.REVIEW_LINK_MAX_AGE_HOURS) * 3600


def review_token_make(*, step_id: int, user_id: int) -> str:
    return signing.dumps({"p": Purpose.REVIEW.value, "s": step_id, "u": user_id}, salt=SALT)


def consult_token_make(*, consultation_id: int, user_id: int) -> str:
    return signing.dumps(
        {"p": Purpose.CONSULT.value, "c": consultation_id, "u": user_id}, salt=SALT
    )


def review_url(token: str) -> str:
    return f"{settings.SITE_URL}/review/{token}/"


def token_fingerprint(token: str) -> str:
    """A short, one-way name for a token (cache keys), so the token itself is never
    stored anywhere."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _load(token: str) -> dict[str, object]:
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise LinkError(LinkProblem.TAMPERED) from None
    if not isinstance(payload, dict) or payload.get("p") not in {p.value for p in Purpose}:
        raise LinkError(LinkProblem.TAMPERED)
    return payload


def _int(payload: dict[str, object], key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int):
        raise LinkError(LinkProblem.TAMPERED)
    return value


def link_resolve(token: str, *, session_user: object = None) -> ReviewLink:
    """Check a token and return what it grants, or raise LinkError saying why not.

    `session_user` is whoever is signed in on this browser, if anyone: a link opened
    in someone else's session is refused rather than mixing two identities.
    """
    payload = _load(token)
    user_id = _int(payload, "u")
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise _revoked(payload, user_id=user_id, user=user)
    if getattr(session_user, "is_authenticated", False) and session_user != user:
        raise LinkError(LinkProblem.FOREIGN)

    if payload["p"] == Purpose.CONSULT.value:
        consultation = (
            Consultation.objects.select_related("case").filter(pk=_int(payload, "c")).first()
        )
        if consultation is None:
            raise LinkError(LinkProblem.DECIDED)
        if consultation.expert_id != user.pk:
            raise LinkError(LinkProblem.FOREIGN)
        if consultation.answered_at is not None:
            raise LinkError(LinkProblem.USED)
        return ReviewLink(purpose=Purpose.CONSULT, user=user, consultation=consultation)

    step = (
        ApprovalStep.objects.select_related("case", "draft").filter(pk=_int(payload, "s")).first()
    )
    if step is None:
        raise LinkError(LinkProblem.DECIDED)
    # May this person decide this step now (a reviewer, or its delegate once it
    # escalated, holding a reviewing role in the case's department)?
    if not authz.may(user, Action.STEP_DECIDE, step):
        removal = _removal(step_id=step.pk, user_id=user.pk)
        if removal is not None:
            raise LinkError(LinkProblem.REVOKED, since=removal.removed_at, user=user)
        raise LinkError(LinkProblem.FOREIGN)
    if StepDecision.objects.filter(step=step, reviewer=user).exists():
        raise LinkError(LinkProblem.USED)
    if step.status == StepStatus.WAITING:
        raise LinkError(LinkProblem.NOT_YET)
    if step.status != StepStatus.OPEN or step.case.state != CaseState.IN_REVIEW:
        raise LinkError(LinkProblem.DECIDED)
    return ReviewLink(purpose=Purpose.REVIEW, user=user, step=step)


def link_undo_resolve(token: str, *, session_user: object = None) -> tuple[User, ApprovalStep]:
    """The reviewer and step of a review link whose decision is to be undone
    (workflows.undo decides whether it still may be): the link is valid and unexpired,
    its person active, and nobody else signed in on this browser; that it was used is
    the point. Raises LinkError otherwise."""
    payload = _load(token)
    if payload["p"] != Purpose.REVIEW.value:
        raise LinkError(LinkProblem.DECIDED)
    user_id = _int(payload, "u")
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise _revoked(payload, user_id=user_id, user=user)
    if getattr(session_user, "is_authenticated", False) and session_user != user:
        raise LinkError(LinkProblem.FOREIGN)
    step = ApprovalStep.objects.filter(pk=_int(payload, "s")).first()
    if step is None:
        raise LinkError(LinkProblem.DECIDED)
    return user, step


# --- revoked reviewers (workflows.revocation) -----------------------------------------


def _removal(*, step_id: int, user_id: int) -> StepReviewerRemoval | None:
    return (
        StepReviewerRemoval.objects.filter(step_id=step_id, user_id=user_id)
        .order_by("-removed_at")
        .first()
    )


def _revoked(payload: dict[str, object], *, user_id: int, user: User | None) -> LinkError:
    """The link of a deactivated or deleted person: revoked, since their removal from
    the step (or their last removal from any step) if there was one. A person deleted
    without ever being taken off a step is simply unknown (FOREIGN)."""
    removals = StepReviewerRemoval.objects.filter(user_id=user_id).order_by("-removed_at")
    removal = None
    if payload.get("p") == Purpose.REVIEW.value:
        removal = removals.filter(step_id=_int(payload, "s")).first()
    removal = removal or removals.first()
    if user is None and removal is None:
        return LinkError(LinkProblem.FOREIGN)
    return LinkError(LinkProblem.REVOKED, since=removal.removed_at if removal else None, user=user)


# --- rate limiting -------------------------------------------------------------------


def _hit(key: str, window: int) -> int:
    # add() only sets a missing key, so the window starts at the first attempt.
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def rate_limit_keys(*, token: str, client_ip: str) -> tuple[str, str]:
    """The address's count, and the count of this link from this address. There is no
    count of the link alone: a stranger holding a copy (a mail scanner, a forwarded
    email) must not be able to wear out the reviewer's link."""
    pair = token_fingerprint(f"{token}\x00{client_ip}")
    return (f"review-rl:ip:{client_ip}", f"review-rl:tok-ip:{pair}")


def link_attempt_allowed(*, token: str, client_ip: str) -> bool:
    """Count one attempt on a review link; False once the client address, or this link
    from this address, has made too many in the current window (REVIEW_LINK_RATE_*
    settings). The counts are in the shared cache (Redis), never per process."""
    window = int(getattr(settings, "REVIEW_LINK_RATE_WINDOW_SECONDS", 600))
    per_ip = int(getattr(settings, "REVIEW_LINK_RATE_PER_IP", 120))
    per_token = int(getattr(settings, "REVIEW_LINK_RATE_PER_TOKEN", 30))
    ip_key, token_key = rate_limit_keys(token=token, client_ip=client_ip)
    ip_count = _hit(ip_key, window)
    token_count = _hit(token_key, window)
    return ip_count <= per_ip and token_count <= per_token
