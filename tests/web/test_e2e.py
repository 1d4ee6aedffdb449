"""End to end, in Debian's Chromium (Playwright): a real service and worker on SQLite.

Sign in (with the two-factor set-up the policy asks of approvers), compose a post that gets
flagged, apply a suggested fix, submit it, approve it as another person, see it published to
the sandbox network, and switch the language.

`.ci/run` installs Chromium and sets HASHTAGS_REQUIRE_BROWSER, so in CI a missing browser is a
failure; on a developer's machine without Chromium these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from hashtags.connectors.models import SandboxPost
from hashtags.posts.models import Post
from hashtags.storage.db import make_engine, make_sessionmaker

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Cafeterra-Demo-2026"
FLAGGED = "Este viernes llegan las ofertas de black friday. Llámanos al 612 345 678"

if not Path(CHROMIUM).exists():
    if os.environ.get("HASHTAGS_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    pytest.skip(f"browser tests skipped: {CHROMIUM} is not installed", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")


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
        [*hashtags, "demo", "--password", PASSWORD], env=env, check=True, capture_output=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [*hashtags, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*hashtags, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
def chromium() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _sign_in(page: object, service: Service, email: str) -> None:
    """Password, then two-factor: set up on first sign-in (reading the key off the page)."""
    page.goto(service.url + "/login")  # type: ignore[attr-defined]
    page.fill("#email", email)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form button.primary")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    if "/account/two-factor" in page.url:  # type: ignore[attr-defined]
        key = page.inner_text("code.secret").replace(" ", "")  # type: ignore[attr-defined]
        page.fill("#code", pyotp.TOTP(key).now())  # type: ignore[attr-defined]
        page.click("form button.primary")  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "/login" not in page.url and "two-factor" not in page.url  # type: ignore[attr-defined]


def _post(service: Service, post_id: int) -> tuple[Post, int]:
    engine = make_engine(service.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            post = db.get(Post, post_id)
            assert post is not None
            db.expunge(post)
            published = (
                db.execute(select(SandboxPost).where(SandboxPost.text == post.text)).scalars().all()
            )
            return post, len(published)
    finally:
        engine.dispose()


def test_compose_fix_submit_approve_publish_and_switch_language(
    service: Service, chromium: object
) -> None:
    # A community manager writes a post that the policy flags.
    writer = chromium.new_context(locale="en-US").new_page()  # type: ignore[attr-defined]
    _sign_in(writer, service, "social@cafeterra.es")
    writer.goto(service.url + "/compose")
    writer.get_by_label(re.compile("@cafeterra@mastodon.social")).check()
    writer.fill("#text", FLAGGED)
    writer.wait_for_selector("#review-status .verdict-block")  # a phone number: blocked
    assert writer.locator("#highlights mark.act-block").count() == 1  # the span, in place
    # One click applies the suggested fix; the review runs again.
    writer.locator("#findings li[data-rule='pii.phone'] button.fix").click()
    writer.wait_for_selector("#review-status .verdict-review")  # black friday: approval
    assert "612 345 678" not in writer.input_value("#text")
    writer.fill("#scheduled_at", time.strftime("%Y-%m-%dT%H:%M", time.localtime()))
    writer.click("button[value=submit]")
    writer.wait_for_load_state()
    match = re.search(r"/posts/(\d+)", writer.url)
    assert match, writer.url
    post_id = int(match.group(1))
    assert _post(service, post_id)[0].status == "in_review"

    # Compliance approves it from the queue.
    approver = chromium.new_context(locale="es-ES").new_page()  # type: ignore[attr-defined]
    _sign_in(approver, service, "compliance@cafeterra.es")
    approver.goto(service.url + "/approvals")
    approver.click(f"a[href='/posts/{post_id}']")
    approver.fill("textarea[name=comment]", "Revisado: fecha de campaña confirmada.")
    approver.click("button[name=decision][value=approve]")
    approver.wait_for_load_state()

    # The worker publishes it to the sandbox network.
    deadline = time.monotonic() + 30
    post, copies = _post(service, post_id)
    done = {"published", "archived"}  # archived with its review once every account has it
    while (post.status not in done or copies == 0) and time.monotonic() < deadline:
        time.sleep(0.3)
        post, copies = _post(service, post_id)
    assert post.status in done and copies == 1
    writer.goto(f"{service.url}/posts/{post_id}")
    assert writer.locator(".target-status, td, .badge", has_text="published").count() >= 1

    # Language: the writer switches to Spanish, and it is remembered.
    writer.click("button[data-lang=es]")
    writer.wait_for_load_state()
    assert writer.locator("html").get_attribute("lang") == "es"
    assert writer.get_by_role("link", name="Redactar").count() == 1
    writer.goto(service.url + "/compose")
    assert writer.locator("html").get_attribute("lang") == "es"
