"""Accessibility, audited by axe-core in Debian's Chromium: every main page, in both languages,
at a desktop and at a phone-sized viewport, signed in as demo people who can see it.

axe-core is the copy shipped inside the PyPI package axe-playwright-python (the `test` extra),
read from disk and evaluated in each page: nothing is fetched at run time. The rules run are
WCAG 2.0 and 2.1, levels A and AA. A failure lists every violation by rule, with its impact,
the page (path, language, viewport) and the selector of each element.

Beyond axe: at phone width no page may scroll sideways (tables scroll in their own box), and
the live parts work from the keyboard (compose's one-click fixes, the crisis freeze).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from tests.web.conftest import Service, SignIn

axe_package = pytest.importorskip("axe_playwright_python.base")
AXE_SCRIPT = Path(axe_package.AXE_FILE_PATH).read_text(encoding="utf-8")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("es", "en")
# A phone number (blocked, with a one-click fix), black friday (approval), a competitor.
FLAGGED = (
    "¡Este viernes llegan las ofertas de black friday! Llamad a Marta al 612 345 678. "
    "Mucho mejor que el café de Cafés Rivera."
)
ADMIN = "admin@cafeterra.es"


@dataclass
class Findings:
    """What the audit found, page by page, collected so that one failure lists it all."""

    violations: dict[str, dict[str, Any]] = field(default_factory=dict)
    overflow: list[str] = field(default_factory=list)
    pages: int = 0

    def add(self, where: str, results: dict[str, Any]) -> None:
        self.pages += 1
        for violation in results["violations"]:
            rule = self.violations.setdefault(
                violation["id"],
                {"impact": violation["impact"], "help": violation["help"], "nodes": []},
            )
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                rule["nodes"].append(f"{where}: {target}")

    def report(self) -> str:
        lines = [f"axe-core found violations on the {self.pages} pages audited:"]
        for rule_id, rule in sorted(self.violations.items()):
            nodes = rule["nodes"]
            lines.append(f"\n{rule_id} ({rule['impact']}, {len(nodes)}): {rule['help']}")
            lines.extend(f"  {node}" for node in nodes)
        return "\n".join(lines)


@pytest.fixture
def findings() -> Iterator[Findings]:
    """Each test's own, so that one page's violations fail only the test that saw them."""
    yield Findings()


Audit = Callable[["Page", str], None]


def audit_page(findings: Findings) -> Audit:
    """``audit(page, label)``: axe on the page as it is now, and at phone width, no sideways
    scrolling of the page itself."""

    def run(page: Page, label: str) -> None:
        page.wait_for_load_state()
        # What the page's scripts do once it is laid out (ResizeObserver) is done by the next frame.
        page.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
        viewport = page.viewport_size or DESKTOP
        lang = page.locator("html").get_attribute("lang")
        path = re.sub(r"^https?://[^/]+", "", page.url)
        where = f"{path} [{lang}, {viewport['width']}px] {label}".rstrip()
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT)
        findings.add(where, page.evaluate("options => axe.run(document, options)", AXE_OPTIONS))
        if viewport["width"] <= PHONE["width"]:
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if width[0] > width[1]:
                findings.overflow.append(f"{where}: {width[0]}px wide in {width[1]}px")

    return run


def _switch_language(page: Page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.click(f"button[data-lang={lang}]")
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def _each_language_and_size(page: Page) -> Iterator[None]:
    for lang in LANGUAGES:
        _switch_language(page, lang)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)  # type: ignore[arg-type]
            yield


def _first_post(page: Page, url: str, within: str = "main") -> str:
    """The address of the first post linked from the page at ``url``."""
    page.goto(url)
    href = page.locator(f"{within} a[href^='/posts/']").first.get_attribute("href", timeout=5000)
    assert href, f"no post is linked from {url}"
    return href


def _assert_clean(findings: Findings, before: int) -> None:
    assert findings.pages > before, "no page was audited"
    if findings.violations:
        pytest.fail(findings.report(), pytrace=False)
    if findings.overflow:
        pytest.fail("Pages wider than a phone's screen:\n" + "\n".join(findings.overflow))


def test_signed_out_and_two_factor_pages(
    service: Service, chromium: Browser, sign_in: SignIn, findings: Findings
) -> None:
    audit = audit_page(findings)
    before = findings.pages
    page = chromium.new_page()
    page.goto(service.url + "/login")
    for _ in _each_language_and_size(page):
        audit(page, "")
        page.goto(service.url + "/login")
        page.fill("#email", ADMIN)
        page.fill("#password", "not the password")
        page.click("form button.primary")
        audit(page, "(wrong password)")
    page.context.close()

    # The administrator's first sign-in sets up two-factor; the next one asks for the code.
    for lang in LANGUAGES:
        for viewport in (DESKTOP, PHONE):
            page = chromium.new_page(viewport=viewport, locale=lang)  # type: ignore[arg-type]
            page.goto(service.url + "/login")
            _switch_language(page, lang)
            sign_in(page, ADMIN, on_step=lambda step: audit(step, "(sign-in step)"))
            page.context.close()
    _assert_clean(findings, before)


def test_every_page_for_the_administrator(
    service: Service, chromium: Browser, sign_in: SignIn, findings: Findings
) -> None:
    """The administrator holds every permission, so every page and every form is there."""
    audit = audit_page(findings)
    before = findings.pages
    page = chromium.new_page()
    sign_in(page, ADMIN)
    url = service.url
    posts = [
        _first_post(page, url + "/calendar", ".queue-list"),
        _first_post(page, url + "/archive"),
    ]
    paths = [
        "/",
        "/approvals",
        *posts,
        f"{posts[0]}/edit",
        "/calendar",
        "/archive",
        "/archive?q=café",
        "/policy",
        "/policy/history",
        "/policy/history/1",
        "/audit",
        "/admin/people",
        "/admin/accounts",
        "/admin/tokens",
        "/posts/999999",  # the error page (not found)
    ]
    for _ in _each_language_and_size(page):
        for path in paths:
            page.goto(url + path)
            audit(page, "")
        page.goto(url + "/compose")
        audit(page, "(empty)")
        page.locator("input[name=account]").first.check()
        page.fill("#text", FLAGGED)
        page.wait_for_selector("#highlights mark")
        page.wait_for_selector("#findings button.fix")
        audit(page, "(flagged text, live review)")
        page.goto(url + "/calendar")  # the crisis freeze, pulled and lifted
        page.fill("#freeze-reason", "accessibility audit")
        page.click("#freeze button.danger")
        audit(page, "(frozen)")
        page.goto(url + "/compose")
        audit(page, "(frozen)")
        page.goto(url + "/calendar")
        page.click("#freeze button.primary")
        page.goto(url + "/policy/edit")
        audit(page, "(editor)")
        page.click("button[name=action][value=preview]")
        page.wait_for_selector("#preview")
        audit(page, "(preview)")
        page.fill("#source", "organization: [unclosed\nrules: 3\n")
        page.click("button[name=action][value=validate]")
        page.wait_for_selector("#problems")
        audit(page, "(problems)")
        page.goto(url + "/")  # the language switch comes back to a page that needs no form
    page.context.close()
    _assert_clean(findings, before)


def test_approvals_for_compliance(
    service: Service, chromium: Browser, sign_in: SignIn, findings: Findings
) -> None:
    """Compliance approves: the queue, and a post with the decision form."""
    audit = audit_page(findings)
    before = findings.pages
    page = chromium.new_page()
    sign_in(page, "compliance@cafeterra.es")
    post = _first_post(page, service.url + "/approvals")
    for _ in _each_language_and_size(page):
        for path in ("/", "/approvals", post, "/calendar"):
            page.goto(service.url + path)
            audit(page, "")
    page.context.close()
    _assert_clean(findings, before)


def test_compose_for_an_employee(
    service: Service, chromium: Browser, sign_in: SignIn, findings: Findings
) -> None:
    """An employee writes on their own account: the coaching panel shows."""
    audit = audit_page(findings)
    before = findings.pages
    page = chromium.new_page()
    sign_in(page, "empleado@cafeterra.es")
    for _ in _each_language_and_size(page):
        page.goto(service.url + "/")
        audit(page, "")
        page.goto(service.url + "/compose")
        page.locator("input[name=account]").first.check()
        page.fill("#text", "En Cafeterra lanzamos hoy el nuevo café de temporada, ¡me encanta!")
        page.wait_for_selector("#coach:not([hidden])")
        audit(page, "(personal account, coaching)")
        page.goto(service.url + "/")
    page.context.close()
    _assert_clean(findings, before)


def test_an_unknown_address_gets_the_error_page(
    service: Service, chromium: Browser, findings: Findings
) -> None:
    page = chromium.new_page()
    page.goto(service.url + "/no-such-page")
    before = findings.pages
    audit_page(findings)(page, "(no such page)")
    page.context.close()
    _assert_clean(findings, before)


def _tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    pytest.fail(f"{selector} cannot be reached with the Tab key from {page.url}")


def test_the_live_parts_work_from_the_keyboard(
    service: Service, chromium: Browser, sign_in: SignIn
) -> None:
    page = chromium.new_page(viewport=PHONE)  # type: ignore[arg-type]
    sign_in(page, ADMIN)
    _switch_language(page, "en")

    # Compose: choose the account, type, reach the phone number's fix and apply it with Enter.
    page.goto(service.url + "/compose")
    page.locator("#main").focus()
    _tab_to(page, "input[name=account]")
    page.keyboard.press("Space")
    _tab_to(page, "#text")
    page.keyboard.type("Llámanos al 612 345 678")
    fix = "#findings li[data-rule='pii.phone'] button.fix"
    page.wait_for_selector(fix)
    _tab_to(page, fix)
    page.keyboard.press("Enter")
    page.wait_for_function("!document.getElementById('text').value.includes('612 345 678')")
    assert page.evaluate("document.activeElement.id") == "text"  # back where the writer was

    # The crisis freeze: reason, the button, Enter; then resume, the same way.
    page.goto(service.url + "/calendar")
    page.locator("#main").focus()
    _tab_to(page, "#freeze-reason")
    page.keyboard.type("keyboard test")
    _tab_to(page, "#freeze button.danger")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#freeze .frozen").count() >= 1
    page.locator("#main").focus()
    _tab_to(page, "#resume-reason")
    page.keyboard.type("keyboard test over")
    _tab_to(page, "#freeze button.primary")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#freeze .frozen").count() == 0
    page.context.close()
