"""A Bluesky PDS on 127.0.0.1 that speaks the XRPC methods we use.

``com.atproto.server.createSession``, ``com.atproto.repo.createRecord`` (a record key that
exists already is an error: today's PDS answers 500), ``getRecord``, ``deleteRecord``, and
``app.bsky.notification.listNotifications`` (newest first; ``limit`` 1-100, default 50; an
opaque ``cursor`` for the next, older page; ``reasons`` filters). ``notify`` adds a
notification as the network would when someone mentions, answers, quotes or likes the
account. ``fail_next`` answers the next creates with those status codes;
``lose_next_response`` stores the record but answers 502; ``fail_notifications`` answers the
next notification reads with those codes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

HANDLE = "brand.bsky.test"
PASSWORD = "app-pass-word-1234"
DID = "did:plc:abcdefghijklmnopqrstuvwx"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(kind: str) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": DID, "scope": kind, "iat": int(time.time()), "exp": int(time.time()) + 7200}
    return f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(b'signature')}"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cid(value: Any) -> str:
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + digest  # CIDv1, dag-cbor, sha2-256
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


@dataclass
class FakeBluesky:
    url: str = ""
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(collection, rkey) -> record value."""
    sessions: set[str] = field(default_factory=set)
    creates: int = 0
    fail_next: list[int] = field(default_factory=list)
    lose_next_response: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    """Oldest first, as they happened; served newest first."""
    notification_reads: list[dict[str, list[str]]] = field(default_factory=list)
    """The query of every listNotifications call."""
    fail_notifications: list[int] = field(default_factory=list)
    _clock: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))

    def posts(self) -> list[dict[str, Any]]:
        return [v for (c, _), v in self.records.items() if c == "app.bsky.feed.post"]

    def notify(
        self,
        *,
        author: str,
        text: str,
        reason: str = "mention",
        reply_to: str | None = None,
    ) -> dict[str, Any]:
        """Someone (``author``, a handle) posted ``text`` that reaches the account for
        ``reason``; returns the notification (its ``uri`` is the post's)."""
        with self.lock:
            self._clock += timedelta(seconds=1, microseconds=1_000)
            number = len(self.notifications) + 1
            author_did = "did:plc:" + hashlib.sha256(author.encode()).hexdigest()[:24]
            record: dict[str, Any] = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": _iso(self._clock - timedelta(milliseconds=300)),
            }
            if reply_to is not None:
                ref = {"uri": reply_to, "cid": _cid(reply_to)}
                record["reply"] = {"root": ref, "parent": ref}
            rkey = f"3l{number:011d}"
            note = {
                "uri": f"at://{author_did}/app.bsky.feed.post/{rkey}",
                "cid": _cid(record),
                "author": {"did": author_did, "handle": author, "displayName": author},
                "reason": reason,
                "record": record,
                "isRead": False,
                "indexedAt": _iso(self._clock),
                "labels": [],
            }
            self.notifications.append(note)
            return note


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, code: int, error: str, message: str) -> None:
        self._send(code, {"error": error, "message": message})

    def _authorized(self) -> bool:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return token in self.server.fake.sessions

    def do_POST(self) -> None:
        fake = self.server.fake
        method = urlparse(self.path).path.removeprefix("/xrpc/")
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if method == "com.atproto.server.createSession":
            if body.get("identifier") not in (HANDLE, DID) or body.get("password") != PASSWORD:
                return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
            access = _jwt("com.atproto.access")
            fake.sessions.add(access)
            return self._send(
                200,
                {
                    "accessJwt": access,
                    "refreshJwt": _jwt("com.atproto.refresh"),
                    "handle": HANDLE,
                    "did": DID,
                },
            )
        if not self._authorized():
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        if body.get("repo") not in (DID, HANDLE):
            return self._error(400, "InvalidRequest", "repo: not this account's repository")
        key = (str(body.get("collection")), str(body.get("rkey")))
        if method == "com.atproto.repo.createRecord":
            with fake.lock:
                if fake.fail_next:
                    code = fake.fail_next.pop(0)
                    return self._error(code, "Simulated", f"simulated {code}")
                if not body.get("rkey"):
                    return self._error(400, "InvalidRequest", "this fake needs an explicit rkey")
                if key in fake.records:
                    return self._error(500, "InternalServerError", "Internal Server Error")
                fake.creates += 1
                fake.records[key] = body["record"]
                uri = f"at://{DID}/{key[0]}/{key[1]}"
                if fake.lose_next_response:
                    fake.lose_next_response -= 1
                    return self._error(502, "BadGateway", "upstream timed out")
            return self._send(200, {"uri": uri, "cid": _cid(body["record"])})
        if method == "com.atproto.repo.deleteRecord":
            fake.records.pop(key, None)  # idempotent, as documented
            return self._send(200, {})
        self._error(501, "MethodNotImplemented", f"{method} is not served here")

    def _notifications(self, query: dict[str, list[str]]) -> None:
        fake = self.server.fake
        if not self._authorized():
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        with fake.lock:
            fake.notification_reads.append(query)
            if fake.fail_notifications:
                code = fake.fail_notifications.pop(0)
                return self._error(code, "Simulated", f"simulated {code}")
            newest_first = list(reversed(fake.notifications))
        try:
            limit = int(query.get("limit", ["50"])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return self._error(400, "InvalidRequest", "limit: must be between 1 and 100")
        reasons = set(query.get("reasons", []))
        if reasons:
            newest_first = [n for n in newest_first if n["reason"] in reasons]
        start = 0
        if "cursor" in query:
            # Opaque to clients: here, the position after the last one served.
            try:
                start = int(base64.urlsafe_b64decode(query["cursor"][0]).decode())
            except ValueError:
                return self._error(400, "InvalidRequest", "cursor: not a cursor of ours")
        page = newest_first[start : start + limit]
        body: dict[str, Any] = {"notifications": page, "priority": False}
        if start + limit < len(newest_first):
            body["cursor"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        self._send(200, body)

    def do_GET(self) -> None:
        fake = self.server.fake
        parsed = urlparse(self.path)
        method = parsed.path.removeprefix("/xrpc/")
        if method == "app.bsky.notification.listNotifications":
            return self._notifications(parse_qs(parsed.query))
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        if method != "com.atproto.repo.getRecord":
            return self._error(501, "MethodNotImplemented", f"{method} is not served here")
        record = fake.records.get((query.get("collection", ""), query.get("rkey", "")))
        if record is None:
            return self._error(400, "RecordNotFound", "Could not locate record")
        uri = f"at://{DID}/{query['collection']}/{query['rkey']}"
        self._send(200, {"uri": uri, "cid": _cid(record), "value": record})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBluesky


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeBluesky(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
