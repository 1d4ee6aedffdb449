"""End to end, in Debian's Chromium (Playwright): a real service and worker on SQLite.

Sign in (with the two-factor set-up the policy asks of approvers), compose a post that gets
flagged, apply a suggested fix, submit it, approve it as another person, see it published to
the sandbox network, and switch the language.

The service, the browser and the sign-in are conftest.py's fixtures.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from hashtags.connectors.models import SandboxPost
from hashtags.posts.models import Post
from hashtags.storage.db import make_engine, make_sessionmaker

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from tests.web.conftest import Service, SignIn

FLAGGED = "Este viernes llegan las ofertas de black friday. Llámanos al 612 345 678"


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
    service: Service, chromium: Browser, sign_in: SignIn
) -> None:
    # A community manager writes a post that the policy flags.
    writer = chromium.new_context(locale="en-US").new_page()
    sign_in(writer, "social@cafeterra.es")
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
    approver = chromium.new_context(locale="es-ES").new_page()
    sign_in(approver, "compliance@cafeterra.es")
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
