"""Signed-in browsers for page tests: a TestClient per person, signed in through the forms.

People whose role needs two-factor authentication (the demo policy: admin, compliance, crisis
response, PR) go through the set-up page as a person would: read the key off the page and
type the authenticator's code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from hashtags.api.app import create_app
from hashtags.settings import Settings

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


class Browser:
    """One person's browser: cookies kept, forms posted with the page's CSRF token."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = ""
        self.totp_secret: str | None = None

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        """A form post, with the CSRF token of the last page seen."""
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def follow(self, response: Response) -> Response:
        """Follow redirects as a browser does (303: GET)."""
        while response.status_code in (301, 302, 303, 307):
            response = self.client.get(response.headers["location"])
        self.remember_csrf(response)
        return response

    def remember_csrf(self, response: Response) -> None:
        match = CSRF.search(response.text)
        if match:
            self.csrf = match.group(1)

    def sign_in(self, email: str, password: str) -> Response:
        page = self.client.get("/login")
        token = FORM_TOKEN.search(page.text)
        assert token, "the sign-in page has no form token"
        response = self.client.post(
            "/login",
            data={"email": email, "password": password, "form_token": token.group(1), "next": "/"},
        )
        assert response.status_code == 303, response.text
        if response.headers["location"].startswith("/login/two-factor"):
            assert self.totp_secret, f"{email} has two-factor on but no known secret"
            step = self.client.get(response.headers["location"])
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', step.text)
            assert csrf
            response = self.client.post(
                "/login/two-factor",
                data={"csrf_token": csrf.group(1), "code": self.code(), "next": "/"},
            )
        page_response = self.follow(response)
        if "/account/two-factor" in str(page_response.url):
            secret = SECRET.search(page_response.text)
            assert secret, "the two-factor set-up page shows no key"
            self.totp_secret = secret.group(1).replace(" ", "")
            page_response = self.follow(self.post("/account/two-factor", {"code": self.code()}))
        return page_response

    def code(self) -> str:
        assert self.totp_secret
        return pyotp.TOTP(self.totp_secret).now()


@pytest.fixture
def web_app(
    connection: Connection, factory: sessionmaker[Session], settings: Settings
) -> Iterator[FastAPI]:
    app = create_app(settings, engine=connection.engine, factory=factory)
    yield app


@pytest.fixture
def browser(web_app: FastAPI) -> Callable[[], Browser]:
    """A new, signed-out browser on the test's application."""
    return lambda: Browser(web_app)


@pytest.fixture
def signed_in(web_app: FastAPI, people: dict[Any, Any]) -> Callable[[Any], Browser]:
    """``signed_in(Role.X)``: a browser signed in as the test person in that role."""
    from tests.support.api import PASSWORD

    cache: dict[Any, Browser] = {}

    def run(role: Any) -> Browser:
        if role not in cache:
            browser = Browser(web_app)
            browser.sign_in(people[role].email, PASSWORD)
            cache[role] = browser
        return cache[role]

    return run
