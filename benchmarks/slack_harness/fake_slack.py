"""A fake Slack Web API on 127.0.0.1 that records every call and holds messages to Slack's limits.

It answers the methods partnerbot uses, serves the upload URLs and response_urls it hands out, and can be scripted
to answer 429 with Retry-After, 5xx, `not_in_channel`, `users_not_found`, to be slow, to accept a call and answer
late or not at all (the answer lost on the way back). It keeps each channel's accepted messages (with their
metadata) for `conversations.history`, and the files shared into each channel. A message Slack would reject is
rejected here too (and recorded as a violation), so a test fails the way production would.

Channels are public unless listed in `private` (or their id starts with G). As in Slack, with `chat:write.public`
among the token's scopes a message (not a file) reaches a public channel the bot is not in; a private channel
answers `not_in_channel` until the bot is invited.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
RESPONSE_URL_USES = 5
RESPONSE_URL_MINUTES = 30


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    token: str | None = None

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []
        return blocks if isinstance(blocks, list) else []


@dataclass
class Scripted:
    """One scripted answer: an HTTP status with headers and body, after an optional delay."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    channel: str | None = None  # only for calls to this channel
    accept: bool = False  # do the call for real first, then answer (late, with `body`, or never, with `drop`)
    drop: bool = False  # close the connection instead of answering

    @classmethod
    def late(cls, delay: float, channel: str | None = None) -> Scripted:
        """Slack does the call, but its answer comes after `delay` seconds (past a client's timeout)."""
        return cls(delay=delay, channel=channel, accept=True)

    @classmethod
    def lost(cls, channel: str | None = None) -> Scripted:
        """Slack does the call, then the connection drops before the answer (a reset after sending)."""
        return cls(channel=channel, accept=True, drop=True)

    @classmethod
    def server_error(cls, status: int = 500, channel: str | None = None) -> Scripted:
        return cls(status, {"ok": False, "error": "internal_error"}, channel=channel)

    @classmethod
    def rate_limited(cls, retry_after: int, channel: str | None = None) -> Scripted:
        return cls(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}, channel=channel)

    @classmethod
    def error(cls, error: str) -> Scripted:
        return cls(200, {"ok": False, "error": error})


def block_problems(blocks: Any, *, limit: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks is not a list"]
    problems = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    for block in blocks:
        text = (block.get("text") or {}).get("text", "") if isinstance(block.get("text"), dict) else ""
        cap = MAX_HEADER if block.get("type") == "header" else MAX_SECTION_TEXT
        if len(text) > cap:
            problems.append(f"{block.get('type')} text of {len(text)} chars > {cap}")
        fields = block.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(f"{len(fields)} fields > {MAX_FIELDS}")
        problems += [
            f"field of {len(f.get('text', ''))} chars" for f in fields if len(f.get("text", "")) > MAX_FIELD_TEXT
        ]
        if block.get("type") == "section" and not text and not fields:
            problems.append("a section with neither text nor fields")
    return problems


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.users: dict[str, str] = {}  # user id → email
        self.members: set[str] = set()  # channels the bot is in (DMs always work)
        self.private: set[str] = set()  # private channels (ids starting with G are private too)
        self.uploads: dict[str, dict[str, Any]] = {}  # file id → {bytes, filename, channel}
        self.response_delay = 0.0  # seconds each response_url post takes (recorded once it is done)
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)  # channel → accepted messages, oldest first
        self.scopes: set[str] | None = None  # the token's scopes, when a test wants them enforced (None: all)
        self._last_ts = 0.0
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._response_uses: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._ids = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle and scripting ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, method: str, *answers: Scripted) -> None:
        with self._lock:
            self._scripts[method].extend(answers)

    def _next_script(self, method: str, params: dict[str, Any]) -> Scripted | None:
        queue = self._scripts[method]
        for index, scripted in enumerate(queue):
            if scripted.channel is None or scripted.channel == params.get("channel"):
                del queue[index]
                return scripted
        return None

    def response_url(self) -> str:
        with self._lock:
            self._ids += 1
            return f"{self.url}/response/R{self._ids:05d}"

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages Slack accepted in a channel, oldest first."""
        with self._lock:
            return list(self.history[channel])

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """The files shared into a channel (uploaded and completed)."""
        with self._lock:
            return [u for u in self.uploads.values() if u.get("channel") == channel]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(
            f"expected {count} call(s) to {method}, saw {len(self.calls_to(method))}: {[c.method for c in self.calls]}"
        )

    # --- the API ----------------------------------------------------------------------------------------------

    def _next_ts(self) -> str:
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def granted(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def is_private(self, channel: str) -> bool:
        return channel.startswith("G") or channel in self.private

    def may_post(self, channel: str, method: str) -> bool:
        """Slack's rule: DMs and channels the bot is in; with chat:write.public, chat.postMessage also reaches a
        public channel the bot has not joined. A private channel needs the invite, and so does every file."""
        if channel.startswith("D") or channel in self.members:
            return True
        return method == "chat.postMessage" and not self.is_private(channel) and self.granted("chat:write.public")

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        needed = "im:history" if channel.startswith("D") else "groups:history" if channel.startswith("G") else None
        needed = needed or "channels:history"
        if not self.granted(needed):
            return {"ok": False, "error": "missing_scope", "needed": needed}
        if not channel.startswith("D") and channel not in self.members:
            return {"ok": False, "error": "not_in_channel"}
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or "inf")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = min(int(params.get("limit") or 100), 999)
        start = int(params.get("cursor") or 0)
        found = [m for m in reversed(self.messages(channel)) if oldest < float(m["ts"]) < latest]
        page = [{k: v for k, v in m.items() if with_metadata or k != "metadata"} for m in found[start : start + limit]]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}{self._ids:06d}"

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0TEST", "team": "Test"}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            problems = block_problems(params.get("blocks") or [], limit=MAX_BLOCKS)
            if not str(params.get("text") or "").strip():
                problems.append("no fallback text")
            if problems:
                return self._violation(method, problems)
            channel = str(params.get("channel", ""))
            if not self.may_post(channel, method):
                return {"ok": False, "error": "not_in_channel"}
            if method == "chat.postMessage":
                message: dict[str, Any] = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": self._next_ts()}
                message.update(text=params.get("text"), blocks=params.get("blocks"))
                if params.get("metadata"):
                    message["metadata"] = params["metadata"]
                with self._lock:
                    self.history[channel].append(message)
                return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
            return {"ok": True, "channel": channel, "ts": f"{time.time():.6f}"}
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', 'X')}"}}
        if method == "users.info":
            email = self.users.get(str(params.get("user")))
            if email is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": params["user"], "profile": {"email": email}}}
        if method == "users.lookupByEmail":
            found = next((uid for uid, email in self.users.items() if email == params.get("email")), None)
            return {"ok": True, "user": {"id": found}} if found else {"ok": False, "error": "users_not_found"}
        if method in ("views.publish", "views.open"):
            view = params.get("view") or {}
            problems = block_problems(view.get("blocks") or [], limit=MAX_VIEW_BLOCKS)
            return self._violation(method, problems) if problems else {"ok": True, "view": {"id": "V1"}}
        if method == "files.getUploadURLExternal":
            if not params.get("filename") or not params.get("length"):
                return {"ok": False, "error": "invalid_arguments"}
            file_id = self._next_id("F")
            self.uploads[file_id] = {"filename": params["filename"], "length": int(params["length"])}
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            channel = str(params.get("channel_id") or "")
            if channel and not self.may_post(channel, method):
                return {"ok": False, "error": "not_in_channel"}
            for item in files:
                upload = self.uploads.get(item["id"])
                if upload is None or "content" not in upload:
                    return {"ok": False, "error": "file_not_found"}
                upload.update(channel=channel, title=item.get("title"))
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    def _violation(self, method: str, problems: list[str]) -> dict[str, Any]:
        with self._lock:
            self.violations += [f"{method}: {p}" for p in problems]
        return {"ok": False, "error": "invalid_blocks", "errors": problems}

    def _respond(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        now = time.monotonic()
        with self._lock:
            uses = self._response_uses[path]
            uses.append(now)
            if len(uses) > RESPONSE_URL_USES or now - uses[0] > RESPONSE_URL_MINUTES * 60:
                self.violations.append(f"{path}: used {len(uses)} times")
                return 404, "used_url"
        if not body.get("delete_original"):
            problems = block_problems(body.get("blocks") or [], limit=MAX_BLOCKS)
            if not str(body.get("text") or "").strip():
                problems.append("no fallback text")
            if problems:
                self._violation("response_url", problems)
                return 400, "invalid_blocks"
        return 200, "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: str | dict[str, Any], headers: dict[str, str] | None = None) -> None:
                payload = body if isinstance(body, str) else json.dumps(body)
                data = payload.encode()
                with contextlib.suppress(OSError):  # a client that timed out has gone: its answer is lost
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def _late(self, scripted: Scripted, answer: Callable[[], tuple[int, str | dict[str, Any]]]) -> None:
                """Do the call, then answer late, or drop the connection without an answer."""
                status, body = answer()
                if scripted.body is not None:  # done, yet answered with an error (a 5xx after the work)
                    status, body = scripted.status, scripted.body
                if scripted.drop:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                time.sleep(scripted.delay)
                self._send(status, body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                if path.startswith("/upload/"):
                    file_id = path.rsplit("/", 1)[1]
                    with fake._lock:
                        fake.calls.append(Call("upload", {"file_id": file_id, "bytes": len(raw)}, time.monotonic()))
                        scripted = fake._next_script("upload", {})
                    if scripted is not None and scripted.body is not None:
                        time.sleep(scripted.delay)
                        self._send(scripted.status, scripted.body, scripted.headers)
                        return
                    with fake._lock:
                        if file_id in fake.uploads:
                            fake.uploads[file_id]["content"] = raw
                    self._send(200, "OK - uploaded")
                    return
                params = self._params(raw)
                if path.startswith("/response/"):
                    time.sleep(fake.response_delay)
                    with fake._lock:
                        fake.calls.append(Call("response_url", {**params, "url": path}, time.monotonic()))
                    status, text = fake._respond(path, params)
                    self._send(status, text)
                    return
                method = path.removeprefix("/api/")
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or params.get("token")
                with fake._lock:
                    fake.calls.append(Call(method, params, time.monotonic(), token))
                    scripted = fake._next_script(method, params)
                if not token:
                    self._send(200, {"ok": False, "error": "not_authed"})
                    return
                if scripted is not None and scripted.accept:
                    self._late(scripted, lambda: (200, fake._answer(method, params)))
                    return
                if scripted is not None:
                    time.sleep(scripted.delay)
                    if scripted.body is not None:
                        self._send(scripted.status, scripted.body, scripted.headers)
                        return
                self._send(200, fake._answer(method, params))

            def _params(self, raw: bytes) -> dict[str, Any]:
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    params: dict[str, Any] = json.loads(raw or b"{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    query = parse_qs(urlsplit(self.path).query)
                    params.update({k: v[0] for k, v in query.items()})
                for key in ("blocks", "view", "files", "metadata"):
                    if isinstance(params.get(key), str):
                        with contextlib.suppress(json.JSONDecodeError):
                            params[key] = json.loads(params[key])
                return params

            do_GET = do_POST

        return Handler
