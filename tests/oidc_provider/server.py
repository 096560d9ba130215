"""A small, standards-following OpenID Connect provider for the tests (issue #16).

Run as its own process on loopback: `python -m tests.oidc_provider.server` prints
`PORT <n>` once it listens on a free port. It serves the authorization-code flow as
a real provider does: discovery, an HTML sign-in form at /authorize, /token (client
secret, one-use codes, an RS256-signed id token with the nonce), /jwks and
/userinfo (Bearer access token; the person's groups in the `groups` claim).

Tests change a person's groups "at the provider" with POST /_people/<username>
(JSON {"password": ..., "groups": [...], "email": ...}), as a directory admin would.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CLIENT_ID = "responder-tests"
CLIENT_SECRET = "responder-tests-secret"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KID = "test-key-1"
LOCK = threading.Lock()
PEOPLE: dict[str, dict[str, Any]] = {}
CODES: dict[str, dict[str, Any]] = {}
TOKENS: dict[str, str] = {}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def jwt_sign(claims: dict[str, Any]) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": KID}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = KEY.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def jwks() -> dict[str, Any]:
    numbers = KEY.public_key().public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": KID,
                "n": _int_b64(numbers.n),
                "e": _int_b64(numbers.e),
            }
        ]
    }


class Provider(BaseHTTPRequestHandler):
    server_version = "TestOIDC/1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    @property
    def issuer(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _send(
        self,
        status: int,
        body: Any,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    # --- GET ------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._send(200, self._discovery())
        if url.path == "/jwks":
            return self._send(200, jwks())
        if url.path == "/authorize":
            return self._authorize_form(query, error="")
        if url.path == "/userinfo":
            return self._userinfo()
        self._send(404, {"error": "not_found"})

    def _discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["sub", "preferred_username", "email", "groups"],
        }

    def _authorize_form(self, query: dict[str, str], *, error: str) -> None:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return self._send(400, {"error": "invalid_request"})
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        page = (
            "<!doctype html><html lang='en'><title>Sign in</title><form method='post' "
            f"action='/authorize'>{hidden}<p>{html.escape(error)}</p>"
            "<label>Username <input name='username'></label>"
            "<label>Password <input name='password' type='password'></label>"
            "<button>Sign in</button></form></html>"
        )
        self._send(200, page, content_type="text/html; charset=utf-8")

    def _userinfo(self) -> None:
        auth = self.headers.get("Authorization", "")
        with LOCK:
            username = TOKENS.get(auth.removeprefix("Bearer ").strip())
            person = PEOPLE.get(username or "")
        if person is None or username is None:
            return self._send(401, {"error": "invalid_token"})
        self._send(200, self._claims(username, person))

    @staticmethod
    def _claims(username: str, person: dict[str, Any]) -> dict[str, Any]:
        return {
            "sub": f"sub-{username}",
            "preferred_username": username,
            "email": person.get("email", f"{username}@example.gc.ca"),
            "given_name": person.get("given_name", username.title()),
            "groups": list(person.get("groups", [])),
        }

    # --- POST -----------------------------------------------------------------------

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        form = self._form()
        if url.path == "/authorize":
            return self._authorize(form)
        if url.path == "/token":
            return self._token(form)
        if url.path.startswith("/_people/"):
            with LOCK:
                PEOPLE[url.path.removeprefix("/_people/")] = form
            return self._send(200, {"ok": True})
        self._send(404, {"error": "not_found"})

    def _authorize(self, form: dict[str, str]) -> None:
        username, password = form.pop("username", ""), form.pop("password", "")
        with LOCK:
            person = PEOPLE.get(username)
        if person is None or not secrets.compare_digest(person.get("password", ""), password):
            return self._authorize_form(form, error="Wrong username or password.")
        code = secrets.token_urlsafe(24)
        with LOCK:
            CODES[code] = {
                "username": username,
                "nonce": form.get("nonce"),
                "redirect_uri": form["redirect_uri"],
                "expires": time.time() + 60,
            }
        target = form["redirect_uri"] + "?" + urlencode({"code": code, "state": form["state"]})
        self._send(302, "", content_type="text/plain", headers={"Location": target})

    def _token(self, form: dict[str, str]) -> None:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
            return self._send(401, {"error": "invalid_client"})
        with LOCK:
            grant = CODES.pop(form.get("code", ""), None)  # one use
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant["expires"] < time.time()
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return self._send(400, {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS[access_token] = grant["username"]
        now = int(time.time())
        id_token = jwt_sign(
            {
                "iss": self.issuer,
                "sub": f"sub-{grant['username']}",
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                "preferred_username": grant["username"],
            }
        )
        self._send(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()  # until the test run terminates the process


if __name__ == "__main__":
    sys.exit(main())
