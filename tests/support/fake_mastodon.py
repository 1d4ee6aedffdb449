"""A Mastodon instance on 127.0.0.1 that speaks the documented API we use.

``POST /api/v1/statuses`` honours ``Idempotency-Key`` (per token, as Mastodon does),
``DELETE /api/v1/statuses/:id``, and ``GET /api/v1/notifications`` for mentions. Tests steer
it: ``fail_next`` answers the next posts with those status codes, ``lose_next_response``
creates the status but answers 502, as a proxy that timed out would; ``fail_next_delete``
answers the next deletions with those codes.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

TOKEN = "mastodon-test-token"


def _account(acct: str, number: int) -> dict[str, Any]:
    return {
        "id": str(number),
        "username": acct.split("@")[0],
        "acct": acct,
        "display_name": acct,
        "url": f"https://social.example/@{acct}",
        "created_at": "2024-01-01T00:00:00.000Z",
    }


@dataclass
class FakeMastodon:
    url: str = ""
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], str] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    fail_next_delete: list[int] = field(default_factory=list)
    """Status codes for the next DELETE /api/v1/statuses/:id calls."""
    lose_next_response: int = 0
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(110_000_000_000_000_001))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def live(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if not s.get("deleted")]

    def _status(self, text: str) -> dict[str, Any]:
        status_id = str(next(self._ids))
        return {
            "id": status_id,
            "uri": f"{self.url}/users/brand/statuses/{status_id}",
            "url": f"{self.url}/@brand/{status_id}",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "content": f"<p>{text}</p>",
            "visibility": "public",
            "account": _account("brand", 1),
            "in_reply_to_id": None,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
        }

    def add_mention(self, author: str, text: str, in_reply_to_id: str | None = None) -> str:
        status = self._status(text)
        status["account"] = _account(author, 2)
        status["in_reply_to_id"] = in_reply_to_id
        self.statuses[status["id"]] = status
        note_id = str(len(self.notifications) + 1)
        self.notifications.append(
            {
                "id": note_id,
                "type": "mention",
                "created_at": status["created_at"],
                "account": status["account"],
                "status": status,
            }
        )
        return note_id


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        return token if token in self.server.fake.tokens else None

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            return {k: str(v) for k, v in json.loads(raw or "{}").items()}
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_POST(self) -> None:
        fake = self.server.fake
        path = urlparse(self.path).path
        form = self._form()
        fake.requests.append(("POST", path, dict(self.headers)))
        token = self._token()
        if token is None:
            return self._send(401, {"error": "The access token is invalid"})
        if path != "/api/v1/statuses":
            return self._send(404, {"error": "Record not found"})
        with fake.lock:
            if fake.fail_next:
                code = fake.fail_next.pop(0)
                return self._send(code, {"error": f"simulated {code}"})
            if not form.get("status"):
                return self._send(422, {"error": "Validation failed: Text can't be blank"})
            key = self.headers.get("Idempotency-Key")
            existing = fake.idempotency.get((token, key)) if key else None
            if existing is not None:
                return self._send(200, fake.statuses[existing])
            status = fake._status(form["status"])
            fake.statuses[status["id"]] = status
            if key:
                fake.idempotency[(token, key)] = status["id"]
            if fake.lose_next_response:
                fake.lose_next_response -= 1
                return self._send(502, {"error": "Bad gateway"})
        self._send(200, status)

    def do_DELETE(self) -> None:
        fake = self.server.fake
        path = urlparse(self.path).path
        fake.requests.append(("DELETE", path, dict(self.headers)))
        if self._token() is None:
            return self._send(401, {"error": "The access token is invalid"})
        if fake.fail_next_delete:
            code = fake.fail_next_delete.pop(0)
            return self._send(code, {"error": f"simulated {code}"})
        status_id = path.rsplit("/", 1)[-1]
        status = fake.statuses.get(status_id)
        if status is None or status.get("deleted"):
            return self._send(404, {"error": "Record not found"})
        status["deleted"] = True
        self._send(200, {**status, "text": status["content"]})

    def do_GET(self) -> None:
        fake = self.server.fake
        parsed = urlparse(self.path)
        fake.requests.append(("GET", parsed.path, dict(self.headers)))
        if self._token() is None:
            return self._send(401, {"error": "The access token is invalid"})
        if parsed.path != "/api/v1/notifications":
            return self._send(404, {"error": "Record not found"})
        query = parse_qs(parsed.query)
        since = int(query.get("since_id", ["0"])[0])
        types = query.get("types[]") or ["mention"]
        notes = [n for n in fake.notifications if int(n["id"]) > since and n["type"] in types]
        self._send(200, list(reversed(notes)))  # newest first, as Mastodon answers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeMastodon


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeMastodon(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.shutdown()
        server.server_close()
