"""Page tests run on SQLite: pages are a layer over the services, whose own tests run on
SQLite and PostgreSQL alike; the browser tests (test_e2e.py, test_accessibility.py) drive a real
server on SQLite in Debian's Chromium.

`.ci/run` installs Chromium and sets HASHTAGS_REQUIRE_BROWSER, so in CI a missing browser is a
failure; on a developer's machine without Chromium the browser tests are skipped, saying why.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyotp
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.api import Person

from hashtags.people.permissions import Role
from hashtags.people.service import Actor
from hashtags.settings import Settings
from hashtags.storage import migrate
from hashtags.storage.db import make_engine

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SETTINGS = Settings(env="test", secret_key="test-secret-key-for-the-suite")

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "Cafeterra-Demo-2026"


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("web") / "hashtags.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@dataclass
class Accounts:
    mastodon: int
    """Brand, policy account cafeterra-mastodon (approval when flagged)."""
    sandbox: int
    """Brand, on the sandbox network, policy account cafeterra-bluesky (approval always)."""
    personal: int
    """The employee's own account, on the sandbox network."""


@pytest.fixture
def accounts(factory: sessionmaker[Session], people: dict[Role, Person]) -> Accounts:
    """The demo policy's two brand accounts and the employee's personal account."""
    from hashtags.accounts.service import create_account
    from hashtags.people.models import User
    from hashtags.review.service import demo_policy

    policy = demo_policy()
    with factory() as db, db.begin():

        def actor(role: Role) -> Actor:
            user = db.execute(select(User).where(User.email == people[role].email)).scalar_one()
            return Actor(user.id, user.email, role, "session")

        common = {"actor": actor(Role.ADMIN), "policy": policy, "settings": SETTINGS}
        mastodon = create_account(
            db,
            **common,
            kind="brand",
            network="mastodon",
            handle="@cafeterra@mastodon.social",
            base_url="https://mastodon.social",
            policy_id="cafeterra-mastodon",
        )
        sandbox = create_account(
            db,
            **common,
            kind="brand",
            network="sandbox",
            handle="@cafeterra.es",
            policy_id="cafeterra-bluesky",
        )
        personal = create_account(
            db,
            actor=actor(Role.EMPLOYEE),
            policy=policy,
            settings=SETTINGS,
            kind="personal",
            network="sandbox",
            handle="@diego.martin",
        )
        return Accounts(mastodon.id, sandbox.id, personal.id)


# --- the browser tests: a real service and worker, and Chromium ----------------------------


@dataclass
class Service:
    url: str
    database_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the service did not answer in time")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`hashtags demo`, then `hashtags serve` and `hashtags worker`, as `make run` does."""
    folder = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{folder / 'e2e.sqlite3'}"
    env = {
        **os.environ,
        "HASHTAGS_DATABASE_URL": database_url,
        "HASHTAGS_WORKER_POLL_SECONDS": "0.2",
        "HASHTAGS_SECRET_KEY": "e2e-secret-key-for-the-browser-tests",
    }
    hashtags = [sys.executable, "-m", "hashtags.cli"]
    subprocess.run(
        [*hashtags, "demo", "--password", DEMO_PASSWORD], env=env, check=True, capture_output=True
    )
    port = _free_port()
    # Their output goes next to the database (the folder a failure prints), to read afterwards.
    with (folder / "serve.log").open("wb") as serve_log:
        server = subprocess.Popen(
            [*hashtags, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=serve_log,
            stderr=subprocess.STDOUT,
        )
    with (folder / "worker.log").open("wb") as worker_log:
        worker = subprocess.Popen(
            [*hashtags, "worker"], env=env, stdout=worker_log, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url, server)
        yield Service(url, database_url)
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; skipped (or, in CI, failed) where it is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("HASHTAGS_REQUIRE_BROWSER"):
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"browser tests skipped: {CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class SignIn(Protocol):
    def __call__(
        self, page: Page, email: str, *, on_step: Callable[[Page], None] | None = None
    ) -> None: ...


@pytest.fixture(scope="module")
def sign_in(service: Service) -> SignIn:
    """``sign_in(page, email)``: the password, then the two-factor code, with two-factor set up
    on the first sign-in by reading the key off the page (the policy asks it of approvers).
    ``on_step(page)`` is called on each step's page before it is filled in."""
    keys: dict[str, str] = {}

    def run(page: Page, email: str, *, on_step: Callable[[Page], None] | None = None) -> None:
        step = on_step or (lambda page: None)
        page.goto(service.url + "/login")
        step(page)
        page.fill("#email", email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("form button.primary")
        page.wait_for_load_state()
        if "two-factor" in page.url:
            step(page)
            if "/account/two-factor" in page.url:
                keys[email] = page.inner_text("code.secret").replace(" ", "")
            page.fill("#code", pyotp.TOTP(keys[email]).now())
            page.click("form button.primary")
            page.wait_for_load_state()
        assert "/login" not in page.url and "two-factor" not in page.url, page.url

    return run
