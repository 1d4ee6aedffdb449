"""A Bluesky PDS on 127.0.0.1 that speaks the XRPC methods we use.

``com.atproto.server.createSession``, ``com.atproto.repo.createRecord`` (a record key that
exists already is an error: today's PDS answers 500), ``getRecord`` and ``deleteRecord``.
``fail_next`` answers the next creates with those status codes; ``lose_next_response``
stores the record but answers 502.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
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

    def posts(self) -> list[dict[str, Any]]:
        return [v for (c, _), v in self.records.items() if c == "app.bsky.feed.post"]


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

    def do_GET(self) -> None:
        fake = self.server.fake
        parsed = urlparse(self.path)
        method = parsed.path.removeprefix("/xrpc/")
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
