"""Which posts an approved campaign post makes (the outbox's planner for it)."""

from __future__ import annotations

from responder.campaigns.models import BilingualMode, CampaignPost
from responder.channels.outgoing import OutgoingPlan, PlannedPost
from responder.inbox.checks import outgoing_threads
from responder.inbox.models import Case, Draft


def campaign_post_plan(case: Case, draft: Draft) -> OutgoingPlan:
    """The approved text's threads (English then French, or one bilingual thread), the
    images on the first post of each thread with the alt text in its language."""
    post = CampaignPost.objects.get(case=case)
    threads = outgoing_threads(draft.text)
    two = post.bilingual_mode == BilingualMode.TWO_POSTS
    planned = []
    for index, thread in enumerate(threads):
        language = ("en", "fr")[index] if two and index < 2 else ""
        media = [
            {
                "data": image["data"],
                "mime": image["mime"],
                "alt": image[f"alt_{language}"]
                if language
                else f"{image['alt_en']} / {image['alt_fr']}",
            }
            for image in post.images
        ]
        planned.append(
            [
                PlannedPost(text=text, language=language, media=media if number == 0 else [])
                for number, text in enumerate(thread)
            ]
        )
    return OutgoingPlan(threads=planned, not_before=post.scheduled_for)
