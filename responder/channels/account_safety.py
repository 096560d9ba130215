"""What a platform account may point at, and the admin's "Test connection".

Whoever may change a platform account chooses where Responder sends the account's
token. Left open, that is a way to read any environment variable (`SECRET_KEY` as
`credentials_env`, sent as the Bearer token to a server of one's own) and to probe the
internal network (a loopback or private `base_url`). So, in one place, used by the
model's clean() (admin, forms), by seed_demo, by the connector factory and by the
connection test:

- `credentials_env` may only name variables starting with RESPONDER_TOKEN_;
- `base_url` must be https in production, and its host must not resolve to a
  loopback, link-local, private or otherwise non-public address, unless the host is
  in PLATFORM_HOST_ALLOWLIST (an operator's setting: hosts trusted as they are, such
  as the built-in simulator; by default its host outside production);
- the connection test reports a status (connected / refused with the HTTP status /
  not a platform's answer / unreachable), never what the server answered.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from responder.channels.connectors import TOKEN_ENV_PREFIX, connector_for
from responder.channels.connectors.base import TransportError

if TYPE_CHECKING:
    from responder.channels.models import PlatformAccount

CREDENTIALS_ENV_PREFIX = TOKEN_ENV_PREFIX
_ENV_NAME = re.compile(rf"^{CREDENTIALS_ENV_PREFIX}[A-Z0-9_]+$")


def credentials_env_problem(name: str) -> str | None:
    """Why `name` may not be read as a token variable; None when it may."""
    if not name or _ENV_NAME.match(name):
        return None
    return _(
        "Only environment variables whose name starts with %(prefix)s (capital letters, "
        "digits and _) can hold a platform token."
    ) % {"prefix": CREDENTIALS_ENV_PREFIX}


def _allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in settings.PLATFORM_HOST_ALLOWLIST if h.strip()}


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def base_url_problem(url: str) -> str | None:
    """Why the server URL `url` may not be used; None when it may."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("Enter a valid URL.")
    if parts.scheme not in {"http", "https"} or not host:
        return _("Enter a valid URL.")
    if parts.username or parts.password:
        return _("The server URL cannot contain a user name or password.")
    if host in _allowed_hosts():
        return None  # trusted by the operator, as it is
    if settings.PRODUCTION and parts.scheme != "https":
        return _("The server URL must start with https://.")
    addresses = _resolve(host, port)
    if not addresses:
        return _("The server's name %(host)s cannot be resolved.") % {"host": host}
    if not all(_public(address) for address in addresses):
        return _(
            "The server %(host)s is on a private, loopback or link-local address. Ask the "
            "operator to add it to PLATFORM_HOST_ALLOWLIST if it is a trusted platform server."
        ) % {"host": host}
    return None


def platform_account_validate(*, base_url: str, credentials_env: str) -> None:
    """Raise a ValidationError ({field: [message]}) for a server URL or a token variable
    the account may not use."""
    errors: dict[str, str] = {}
    if problem := base_url_problem(base_url):
        errors["base_url"] = problem
    if problem := credentials_env_problem(credentials_env):
        errors["credentials_env"] = problem
    if errors:
        raise ValidationError(errors)


class ConnectionOutcome(StrEnum):
    OK = "ok"
    OTHER_ACCOUNT = "other_account"
    NOT_ALLOWED = "not_allowed"
    REFUSED = "refused"
    UNEXPECTED = "unexpected"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ConnectionReport:
    outcome: ConnectionOutcome
    status: int | None = None
    # Our own explanation (a setting to fix); never text from the server.
    problem: str = ""


def account_connection_test(*, account: PlatformAccount) -> ConnectionReport:
    """Ask the platform who the credentials belong to, and say only how it went."""
    try:
        platform_account_validate(
            base_url=account.base_url, credentials_env=account.credentials_env
        )
    except ValidationError as exc:
        return ConnectionReport(ConnectionOutcome.NOT_ALLOWED, problem=" ".join(exc.messages))
    connector = None
    try:
        connector = connector_for(account)
        handle = connector.verify()
    except TransportError as exc:
        if connector is None:  # no connector, or the token variable is not set
            return ConnectionReport(ConnectionOutcome.NOT_ALLOWED, problem=exc.message)
        if exc.status:
            return ConnectionReport(ConnectionOutcome.REFUSED, status=exc.status)
        if exc.permanent:  # it answered, but not as the platform would
            return ConnectionReport(ConnectionOutcome.UNEXPECTED)
        return ConnectionReport(ConnectionOutcome.UNREACHABLE)
    finally:
        close = getattr(connector, "close", None)
        if callable(close):
            close()
    same = handle.lstrip("@").casefold() == account.handle.lstrip("@").casefold()
    return ConnectionReport(ConnectionOutcome.OK if same else ConnectionOutcome.OTHER_ACCOUNT)
