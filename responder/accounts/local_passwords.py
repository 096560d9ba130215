"""Who may still sign in with a password (LOCAL_PASSWORDS).

With LOCAL_PASSWORDS=off everyone signs in through the department's identity
provider, except the break-glass accounts: active superusers and site admins. The
sign-in page and the API's token endpoint both ask here, before any password is
checked."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from responder.accounts.models import User


def password_sign_in_allowed(username: str) -> bool:
    if settings.LOCAL_PASSWORDS:
        return True
    return (
        User.objects.filter(username=username, is_active=True)
        .filter(Q(is_superuser=True) | Q(site_admin=True))
        .exists()
    )
