"""`manage.py rotate_field_keys`: re-encrypt stored platform credentials with the first
key of FIELD_ENCRYPTION_KEYS (docs/OPERATIONS.md, "Key rotation")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from responder.ops.services import field_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt platform credentials with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = field_keys_rotate()
        self.stdout.write(f"{count} platform accounts re-encrypted with the first key.")
