"""The simulated community: citizens who post under hashtags on all three platforms
(#passport / #passeport and the campaign's own tag), not all of them questions, so
the demo has community posts to show, boost and answer.

Control: POST /_sim/community/settings {"campaign_tags": [...], "share": 0.5} sets
the campaign tags and the share of simulated activity that is community posts;
POST /_sim/community/posts {"count": n, "seed": s} makes n posts now; GET
/_sim/community/posts lists them (platform, id, tags) for a recount.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from responder.channels.simulator.common import NAMES

if TYPE_CHECKING:
    from responder.channels.simulator.server import _Handler
    from responder.channels.simulator.state import SimState

PLATFORMS = ("mastodon", "bluesky", "x")
POSTS_EN = [
    "Got my new passport in 8 business days. Impressed!",
    "Tip: check the photo size before you go to the office.",
    "Anyone else waiting on a renewal since March?",
    "The online renewal form worked for me the first time.",
    "Does the urgent service really take two days?",
    "Long line at the passport office downtown this morning.",
    "Thanks to the staff in Halifax, very helpful today.",
]
POSTS_FR = [
    "Reçu mon nouveau passeport en 8 jours ouvrables. Bravo!",
    "Conseil : vérifiez la taille de la photo avant d'aller au bureau.",
    "Quelqu'un d'autre attend un renouvellement depuis mars?",
    "Le formulaire de renouvellement en ligne a fonctionné du premier coup.",
    "Le service urgent prend-il vraiment deux jours?",
    "Longue file au bureau des passeports ce matin.",
    "Merci au personnel de Québec, très serviable aujourd'hui.",
]


@dataclass
class Community:
    campaign_tags: list[str] = field(default_factory=list)
    share: float = 0.5  # of the simulated citizens' activity
    posted: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def community_post(state: SimState, rng: random.Random) -> dict[str, Any]:
    """One citizen posts under a hashtag on a platform chosen at random."""
    community: Community = state.community
    username, display, lang = rng.choice(NAMES)
    text = rng.choice(POSTS_FR if lang == "fr" else POSTS_EN)
    tags = ["passeport" if lang == "fr" else "passport"]
    with community.lock:
        campaign = list(community.campaign_tags)
    if campaign and rng.random() < 0.6:
        tags = [rng.choice(campaign)] + (tags if rng.random() < 0.5 else [])
    platform = rng.choice(PLATFORMS)
    if platform == "mastodon":
        made = state.mention_create(
            {
                "acct": f"{username}@mastodon.example",
                "display_name": display,
                "text": text,
                "lang": lang,
                "tags": tags,
                "mention": False,
            }
        )
        external_id = str(made["status_id"])
    elif platform == "bluesky":
        made = state.bluesky.citizen_post(
            {
                "handle": f"{username.replace('_', '-')}.bsky.example",
                "display_name": display,
                "text": text,
                "lang": lang,
                "tags": tags,
                "mention": False,
            }
        )
        external_id = str(made["uri"])
    else:
        made = state.x.citizen_tweet(
            {
                "username": username,
                "name": display,
                "text": text,
                "lang": lang,
                "tags": tags,
                "mention": False,
            }
        )
        external_id = str(made["id"])
    record = {"platform": platform, "id": external_id, "tags": tags, "lang": lang}
    with community.lock:
        community.posted.append(record)
    return record


def control(handler: _Handler, method: str, name: str) -> None:
    state = handler.state
    community: Community = state.community
    if name == "settings" and method == "POST":
        data = handler._body()
        with community.lock:
            if "campaign_tags" in data:
                community.campaign_tags = [
                    str(t).lstrip("#") for t in data["campaign_tags"] if str(t).strip("# ")
                ]
            if "share" in data:
                community.share = min(1.0, max(0.0, float(data["share"])))
            settings = {"campaign_tags": community.campaign_tags, "share": community.share}
        handler._send(200, settings)
    elif name == "settings" and method == "GET":
        with community.lock:
            handler._send(200, {"campaign_tags": community.campaign_tags, "share": community.share})
    elif name == "posts" and method == "POST":
        data = handler._body()
        rng = random.Random(data.get("seed"))
        count = max(0, min(int(data.get("count") or 1), 10_000))
        handler._send(201, [community_post(state, rng) for _ in range(count)])
    elif name == "posts" and method == "GET":
        with community.lock:
            handler._send(200, list(community.posted))
    else:
        handler._error(404, "Unknown simulator control endpoint")
