"""Screenshots of the web app for the README, taken from the demo workspace.

    make screenshots        # or: .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Creates a fresh demo workspace in a temporary SQLite file, starts `hashtags serve` and
`hashtags worker` on it, signs in as the demo people (setting up two-factor where the policy
asks for it) and saves PNGs of the main pages, in Debian's Chromium (Playwright).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyotp
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Cafeterra-Demo-2026"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
DRAFT = (
    "¡Este viernes llegan las ofertas de black friday a todas nuestras tiendas! "
    "Si tenéis dudas, llamad a Marta al 612 345 678. Mucho mejor que el café de Cafés Rivera."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the service did not start")


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_load_state()
    if "/account/two-factor" in page.url:
        key = page.inner_text("code.secret").replace(" ", "")
        page.fill("#code", pyotp.TOTP(key).now())
        page.click("form button.primary")
        page.wait_for_load_state()


def shoot(page: Page, url: str, path: str, out: Path, name: str, full: bool = False) -> None:
    page.goto(url + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print(f"  {out / (name + '.png')}  ({path})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "HASHTAGS_DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "HASHTAGS_WORKER_POLL_SECONDS": "0.5",
        }
        cli = [sys.executable, "-m", "hashtags.cli"]
        subprocess.run(
            [*cli, "demo", "--password", PASSWORD], env=env, check=True, stdout=subprocess.DEVNULL
        )
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, **quiet)
        worker = subprocess.Popen([*cli, "worker"], env=env, **quiet)
        try:
            _wait(url)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                login = browser.new_page(viewport=DESKTOP, locale="es-ES")
                shoot(login, url, "/login", out, "login")

                social = browser.new_page(viewport=DESKTOP)
                sign_in(social, url, "social@cafeterra.es")  # Pablo reads English
                social.goto(url + "/compose")
                social.locator("input[name=account]").first.check()
                social.fill("#text", DRAFT)
                social.wait_for_selector("#review-status .badge")
                social.wait_for_timeout(300)
                social.screenshot(path=str(out / "compose.png"), full_page=True)
                print(f"  {out / 'compose.png'}  (/compose, live review)")
                shoot(social, url, "/", out, "home-social", full=True)

                compliance = browser.new_page(viewport=DESKTOP)
                sign_in(compliance, url, "compliance@cafeterra.es")  # Jorge reads Spanish
                shoot(compliance, url, "/", out, "home", full=True)
                shoot(compliance, url, "/approvals", out, "approvals", full=True)
                first = compliance.locator("main a[href^='/posts/']").first
                if first.count():
                    shoot(
                        compliance, url, first.get_attribute("href") or "/", out, "post", full=True
                    )
                shoot(compliance, url, "/calendar", out, "calendar", full=True)
                shoot(compliance, url, "/archive", out, "archive", full=True)
                shoot(compliance, url, "/policy", out, "policy")
                shoot(compliance, url, "/policy/edit", out, "policy-editor")
                shoot(compliance, url, "/audit", out, "audit")

                admin = browser.new_page(viewport=DESKTOP)
                sign_in(admin, url, "admin@cafeterra.es")
                shoot(admin, url, "/admin/people", out, "admin-people")

                phone = browser.new_page(viewport=PHONE, device_scale_factor=2)
                sign_in(phone, url, "empleado@cafeterra.es")
                phone.goto(url + "/compose")
                phone.fill(
                    "#text", "En Cafeterra lanzamos hoy el nuevo café de temporada, ¡me encanta!"
                )
                phone.wait_for_selector("#review-status .badge")
                phone.wait_for_timeout(300)
                phone.screenshot(path=str(out / "compose-phone.png"), full_page=True)
                print(f"  {out / 'compose-phone.png'}  (/compose on a phone)")
                browser.close()
        finally:
            for process in (server, worker):
                process.terminate()
                process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
