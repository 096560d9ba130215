"""The hashtags of each case, one row per (case, tag), so that a campaign's hashtag
view finds its posts through an index instead of a regular expression over every
case's text (responder/inbox/hashtags.py writes them)."""

from __future__ import annotations

from django.db import models


class CaseHashtag(models.Model):
    case = models.ForeignKey("inbox.Case", on_delete=models.CASCADE, related_name="hashtags")
    # Lower case, without "#".
    tag = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "tag"], name="case_hashtag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "case"], name="case_hashtag_tag_idx")]

    def __str__(self) -> str:
        return f"#{self.tag} ({self.case_id})"
