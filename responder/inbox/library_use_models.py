"""What officers answered with a library answer: the questions that teach the
suggestions (responder/inbox/suggest.py)."""

from __future__ import annotations

from django.db import models


class LibraryAnswerUse(models.Model):
    """A citizen's question that an officer answered with this library answer (sent
    unchanged or adapted): its words count toward the answer in suggestions."""

    answer = models.ForeignKey("inbox.LibraryAnswer", on_delete=models.CASCADE, related_name="uses")
    language = models.CharField(max_length=2)
    question = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["answer", "-id"], name="library_use_answer_idx")]

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.question[:40]}"
