"""The simulator's HTTP side: the Mastodon client API subset, Bluesky XRPC (/xrpc/, in
bluesky/) and X API v2 (/2/, in x/), and the /_sim/ control API. Faults injected with
/_sim/faults apply to all three (path_prefix chooses), answered in each one's words.

A stdlib ThreadingHTTPServer (one thread per connection, HTTP/1.1 keep-alive), so it
runs anywhere Python does, in-process in tests or as `python -m
responder.channels.simulator`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from responder.channels.simulator import community, mastodon_extra
from responder.channels.simulator.bluesky import api as bluesky_api
from responder.channels.simulator.citizens import citizens_run
from responder.channels.simulator.state import MAX_STATUS_CHARS, VISIBILITIES, Fault, SimState
from responder.channels.simulator.x import api as x_api

logger = logging.getLogger("responder.simulator")
# Control sections answered by their own modules: /_sim/<section>/<name>.
SECTIONS = ("/_sim/bluesky/", "/_sim/x/", "/_sim/mastodon/", "/_sim/community/")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorHTTPServer
    # Answers leave at once: headers and body buffered into one write (flushed after
    # each request; streams flush themselves), and no Nagle delay. Unbuffered, a small
    # answer went out in two writes, the second waiting for the client's delayed ACK:
    # about 40 ms a request.
    wbufsize = -1
    disable_nagle_algorithm = True
    _lose_answer = False
    _raw = b""

    # --- plumbing ---------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    @property
    def state(self) -> SimState:
        return self.server.state

    def _query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    def _body(self) -> dict[str, Any]:
        raw = self._raw
        if not raw:
            return {}
        ctype = self.headers.get("Content-Type", "")
        if "application/json" in ctype:
            data = json.loads(raw.decode() or "{}")
            return data if isinstance(data, dict) else {"items": data}
        parsed = parse_qs(raw.decode(), keep_blank_values=True)
        return {k: (v if k.endswith("[]") else v[-1]) for k, v in parsed.items()}

    def _send(
        self,
        status: int,
        payload: Any,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> None:
        if self._lose_answer:
            # The request was served; its answer is lost on the way (connection cut).
            self._lose_answer = False
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": message}, headers=headers)

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        if not token:
            token = (self._query().get("access_token") or [""])[0]
        return token == self.state.token

    # --- dispatch ---------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        # Always consume the body, even when answering with an error: on a
        # keep-alive connection leftovers would be read as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        self._raw = self.rfile.read(length) if length else b""
        self._lose_answer = False
        with self.state.lock:
            self.state.requests_served += 1
        try:
            if path.startswith(
                ("/_sim/bluesky/", "/_sim/x/", "/_sim/mastodon/", "/_sim/community/")
            ):
                platform: Any = {
                    "bluesky": bluesky_api,
                    "x": x_api,
                    "mastodon": mastodon_extra,
                    "community": community,
                }
                name = path.split("/", 3)
                platform[name[2]].control(self, method, name[3])
                return
            if path.startswith("/_sim/"):
                self._control(method, path)
                return
            if path.startswith("/xrpc/"):
                self._platform(bluesky_api, self.state.bluesky, method, path, path[6:])
                return
            if path.startswith("/2/"):
                self._platform(x_api, self.state.x, method, path, path)
                return
            self._api(method, path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # the simulator must not die on a bad request
            logger.exception("simulator error on %s %s", method, path)
            self._error(500, f"simulator error: {exc}")

    # --- Bluesky and X ----------------------------------------------------------------
    def _platform(self, module: Any, platform: Any, method: str, path: str, route: str) -> None:
        """Faults first (answered in the platform's own words), then the platform."""
        fault = self.state.fault_take(method, path)
        malformed = False
        if fault is not None:
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status:
                status, body, headers = module.fault_answer(platform, fault)
                self._send(status, body, headers=headers)
                return
            malformed = fault.malformed
            self._lose_answer = fault.lose_answer
        module.handle(self, method, route, malformed)

    # --- Mastodon client API ----------------------------------------------------------
    def _api(self, method: str, path: str) -> None:
        fault = self.state.fault_take(method, path)
        malformed = False
        if fault is not None:
            if fault.delay_ms:
                time.sleep(fault.delay_ms / 1000)
            if fault.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status:
                limited = fault.status == 429
                headers = self.state.rate_headers(
                    exhausted=limited, fault=fault if limited else None
                )
                message = fault.message or ("Too many requests" if limited else "Simulated failure")
                self._error(fault.status, message, headers)
                return
            malformed = fault.malformed
            self._lose_answer = fault.lose_answer
        if method == "GET" and path == "/api/v1/streaming/health":
            # As on Mastodon, open to anyone (load balancers and health checks ask it).
            self._send(200, None, raw=b"OK")
            return
        if not self._authorized():
            self._error(401, "The access token is invalid", self.state.rate_headers())
            return
        rate = self.state.rate_headers()
        parts = path.strip("/").split("/")
        if mastodon_extra.route(self, method, path, rate):
            return
        if method == "GET" and path == "/api/v1/notifications":
            self._notifications(rate, malformed)
        elif method == "GET" and path.startswith("/api/v1/timelines/tag/") and len(parts) == 5:
            self._tag(parts[4], rate, malformed)
        elif method == "GET" and path.startswith("/api/v1/statuses/") and len(parts) == 4:
            status = self.state.public_status(parts[3])
            if status is None:
                self._error(404, "Record not found", rate)
            else:
                self._send(200, status, headers=rate)
        elif (
            method == "GET"
            and path.startswith("/api/v1/statuses/")
            and len(parts) == 5
            and parts[4] == "context"
        ):
            context = self.state.context(parts[3])
            if context is None:
                self._error(404, "Record not found", rate)
            else:
                self._send(200, context, headers=rate)
        elif method == "POST" and path == "/api/v1/statuses":
            self._post_status(rate)
        elif method == "GET" and path in (
            "/api/v1/streaming/user/notification",
            "/api/v1/streaming/user",
        ):
            self._stream(notifications_only=path.endswith("notification"))
        else:
            self._error(404, "Record not found", rate)

    def _paging(self, *, default: int, maximum: int) -> dict[str, Any]:
        query = self._query()

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values and values[-1] else None

        try:
            limit = int(one("limit") or default)
        except ValueError:
            limit = default
        return {
            "limit": max(1, min(limit, maximum)),
            "max_id": one("max_id"),
            "since_id": one("since_id"),
            "min_id": one("min_id"),
        }

    def _link(self, path: str, items: list[dict[str, Any]], limit: int, keep: dict) -> str:
        if not items:
            return ""
        base = self.state.base_url + path
        newest, oldest = items[0]["id"], items[-1]["id"]
        links = []
        if len(items) >= limit:
            links.append(
                f'<{base}?{urlencode({**keep, "max_id": oldest}, doseq=True)}>; rel="next"'
            )
        links.append(f'<{base}?{urlencode({**keep, "min_id": newest}, doseq=True)}>; rel="prev"')
        return ", ".join(links)

    def _notifications(self, rate: dict[str, str], malformed: bool) -> None:
        query = self._query()
        types = query.get("types[]", []) + query.get("types", [])
        exclude = query.get("exclude_types[]", []) + query.get("exclude_types", [])
        paging = self._paging(default=40, maximum=80)
        items = self.state.notifications_page(types=types, exclude=exclude, **paging)
        if malformed and items:
            # A broken item, as a buggy or hostile server might send: no account, a
            # status without content or date.
            broken = dict(items[0])
            broken["account"] = None
            broken["status"] = {"id": broken["status"]["id"], "content": None}
            items[0] = broken
        keep: dict[str, Any] = {}
        if types:
            keep["types[]"] = types
        if paging["limit"] != 40:
            keep["limit"] = paging["limit"]
        link = self._link("/api/v1/notifications", items, paging["limit"], keep)
        self._send(200, items, headers={**rate, **({"Link": link} if link else {})})

    def _tag(self, tag: str, rate: dict[str, str], malformed: bool) -> None:
        paging = self._paging(default=20, maximum=40)
        items = self.state.tag_page(tag=tag, **paging)
        if malformed and items:
            items[0] = {"id": items[0]["id"], "content": None}
        keep = {"limit": paging["limit"]} if paging["limit"] != 20 else {}
        link = self._link(f"/api/v1/timelines/tag/{tag}", items, paging["limit"], keep)
        self._send(200, items, headers={**rate, **({"Link": link} if link else {})})

    def _post_status(self, rate: dict[str, str]) -> None:
        data = self._body()
        text = str(data.get("status") or "")
        visibility = str(data.get("visibility") or "public")
        in_reply_to_id = data.get("in_reply_to_id") or None
        media_ids = [str(m) for m in data.get("media_ids") or data.get("media_ids[]") or []]
        media_error = mastodon_extra.check_media(self.state, media_ids)
        if media_error:
            self._error(422, media_error, rate)
            return
        if not text.strip() and not media_ids:
            self._error(422, "Validation failed: Text can't be blank", rate)
            return
        if len(text) > MAX_STATUS_CHARS:
            self._error(
                422, f"Validation failed: Text character limit of {MAX_STATUS_CHARS} exceeded", rate
            )
            return
        if visibility not in VISIBILITIES:
            self._error(422, "Validation failed: Visibility is not included in the list", rate)
            return
        if in_reply_to_id and self.state.public_status(str(in_reply_to_id)) is None:
            self._error(404, "Record not found", rate)
            return
        status, created = self.state.our_post(
            text=text,
            in_reply_to_id=str(in_reply_to_id) if in_reply_to_id else None,
            visibility=visibility,
            language=data.get("language") or None,
            idempotency_key=self.headers.get("Idempotency-Key"),
        )
        if created and media_ids:
            status = mastodon_extra.attach(self.state, status["id"], media_ids)
        self._send(200, status, headers=rate)

    def _stream(self, *, notifications_only: bool) -> None:
        """Server-sent events, as Mastodon's streaming server sends them."""
        q = self.state.stream_open()
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(b":)\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                try:
                    item = q.get(timeout=self.server.heartbeat_seconds)
                except queue.Empty:
                    self.wfile.write(b":thump\n")
                    self.wfile.flush()
                    continue
                if item is None:  # closed on purpose (/_sim/streams/close, reset)
                    break
                payload = json.dumps(item)
                self.wfile.write(f"event: notification\ndata: {payload}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            self.state.stream_close(q)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    # --- control API ------------------------------------------------------------------
    def _control(self, method: str, path: str) -> None:
        state = self.state
        if path == "/_sim/health":
            self._send(200, state.health())
        elif path == "/_sim/mentions" and method == "POST":
            data = self._body()
            if isinstance(data.get("items"), list):
                self._send(201, [state.mention_create(item) for item in data["items"]])
            else:
                self._send(201, state.mention_create(data))
        elif path == "/_sim/posts" and method == "GET":
            self._send(200, state.posts_list())
        elif path == "/_sim/faults" and method == "POST":
            self._send(201, state.fault_add(self._body()).as_dict())
        elif path == "/_sim/faults" and method == "GET":
            self._send(200, [f.as_dict() for f in state.faults])
        elif path == "/_sim/faults" and method == "DELETE":
            with state.lock:
                state.faults.clear()
            self._send(200, [])
        elif path == "/_sim/engage" and method == "POST":
            status = state.engage(self._body())
            if status is None:
                self._error(404, "Record not found")
            else:
                self._send(200, status)
        elif path == "/_sim/streams/close" and method == "POST":
            self._send(200, {"closed": state.close_streams()})
        elif path == "/_sim/reset" and method == "POST":
            state.reset()
            self._send(200, {"ok": True})
        else:
            self._error(404, "Unknown simulator control endpoint")


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.stopping = threading.Event()
        self.heartbeat_seconds = 5.0


class Simulator:
    """The simulator as an object: start() in a daemon thread, stop() to end it."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "sim-token",  # noqa: S107 - the simulator's public test token
        rate: float = 0,
    ) -> None:
        self.httpd = SimulatorHTTPServer((host, port), SimState(base_url="", token=token))
        bound_host, bound_port = self.httpd.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"
        self.state = self.httpd.state
        self.state.base_url = self.url
        self.token = token
        self.rate = rate
        self._thread: threading.Thread | None = None
        self._citizens: threading.Thread | None = None

    def start(self) -> Simulator:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        if self.rate > 0:
            self._citizens = threading.Thread(
                target=citizens_run,
                args=(self.state, self.rate, self.httpd.stopping),
                daemon=True,
            )
            self._citizens.start()
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()
        self.state.close_streams()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


__all__ = ["Fault", "SimState", "Simulator"]
