"""Step 2, talk: post a claimed row (or first look for an earlier post of it) with
no transaction open, and say what happened."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from responder.channels.connectors.base import Connector, PostResult, TransportError
from responder.channels.posting.claims import _Claim
from responder.channels.posting.connector_cache import (
    _cached_connector,
    _forget_connector,
    _save_session,
)
from responder.channels.posting.policy import DEFAULT_KEY_LIFETIME, Outcome

# The package's logger, as before it was split into modules.
logger = logging.getLogger("responder.channels.posting")


@dataclass(frozen=True)
class _Result:
    outcome: str
    post: PostResult | None = None
    error: TransportError | None = None
    reason: str = ""


def _talk(*, claim: _Claim, connector: Connector, now: dt.datetime) -> _Result:
    lifetime = connector.idempotency_key_lifetime
    reliable_check = connector.reply_check_is_reliable
    since = claim.ambiguous_since
    key_protects = since is None or lifetime is None or now - since < lifetime
    outgoing = claim.kind == "post"
    try:
        if since is not None and (claim.reclaimed or not key_protects):
            if outgoing:
                found = connector.find_post(
                    idempotency_key=claim.idempotency_key,
                    text=claim.text,
                    in_reply_to_id=claim.in_reply_to_id or None,
                )
            else:
                found = connector.find_reply(
                    in_reply_to_id=claim.in_reply_to_id,
                    idempotency_key=claim.idempotency_key,
                    text=claim.text,
                )
            if found is not None:
                return _Result(Outcome.FOUND, post=found)
            if not key_protects and not reliable_check:
                return _Result(
                    Outcome.NEEDS_ATTENTION,
                    reason=_(
                        "We cannot tell whether this reply was posted: an earlier attempt "
                        "was interrupted more than %(minutes)s minutes ago and the platform "
                        "does not show it. Check the conversation on the platform; retry "
                        "only if the reply is not there."
                    )
                    % {"minutes": int((lifetime or DEFAULT_KEY_LIFETIME).total_seconds() // 60)},
                )
        if outgoing:
            post = _post(claim=claim, connector=connector)
        else:
            post = connector.post_reply(
                text=claim.text,
                in_reply_to_id=claim.in_reply_to_id,
                visibility=claim.visibility,
                idempotency_key=claim.idempotency_key,
            )
    except TransportError as exc:
        if exc.permanent:
            return _Result(Outcome.FAILED, error=exc)
        outcome = Outcome.RATE_LIMITED if exc.status == 429 else Outcome.ERROR
        return _Result(outcome, error=exc)
    return _Result(Outcome.SENT, post=post)


def _post(*, claim: _Claim, connector: Connector) -> PostResult:
    """An outgoing post: its images uploaded now (platforms forget unused uploads, and
    an upload never posts anything), then the post, with the row's idempotency key."""
    media_ids = [
        connector.upload_media(
            data=base64.b64decode(image["data"]), mime=image["mime"], alt_text=image["alt"]
        )
        for image in claim.media
    ]
    return connector.post(
        text=claim.text,
        media_ids=media_ids,
        visibility=claim.visibility,
        idempotency_key=claim.idempotency_key,
        in_reply_to_id=claim.in_reply_to_id or None,
        language=claim.language or None,
    )


def _talk_safely(*, claim: _Claim, connectors: dict[int, Connector]) -> _Result:
    account = claim.account
    session_before: Any = account.session_state  # connectors copy it, never mutate it
    connector = connectors.get(account.pk)
    try:
        if connector is None:
            connector = connectors[account.pk] = _cached_connector(account)
        result = _talk(claim=claim, connector=connector, now=timezone.now())
    except Exception as exc:
        # A bug or an unexpected library error: it may have struck after the post went
        # out, so it counts as an attempt of unknown outcome and is retried carefully.
        logger.exception("posting outbox item %s failed unexpectedly", claim.item_id)
        _forget_connector(account.pk)
        connectors.pop(account.pk, None)
        return _Result(
            Outcome.ERROR, error=TransportError(f"{exc.__class__.__name__}: {exc}", permanent=False)
        )
    _save_session(account=account, before=session_before, connector=connector)
    return result
