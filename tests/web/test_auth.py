"""Sign-in, two-factor set-up and entry, sign-out, the language switch, error pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.support.api import PASSWORD, Person
from tests.support.web import Browser

from hashtags.people.permissions import Role


def test_pages_send_visitors_to_sign_in(browser: Callable[[], Browser]) -> None:
    response = browser().get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_sign_in_with_a_wrong_password_says_so_and_counts(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    visitor = browser()
    page = visitor.get("/login", headers={"accept-language": "en"})
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    response = visitor.client.post(
        "/login",
        data={"email": people[Role.EMPLOYEE].email, "password": "wrong", "form_token": token},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert people[Role.EMPLOYEE].email in response.text  # the form keeps what was typed


def test_sign_in_without_the_form_token_is_refused(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    response = browser().client.post(
        "/login", data={"email": people[Role.EMPLOYEE].email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "hashtags_session" not in response.cookies


def test_employee_signs_in_and_out(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    me = browser()
    home = me.sign_in(people[Role.EMPLOYEE].email, PASSWORD)
    assert home.status_code == 200
    assert "/account/two-factor" not in str(home.url)  # employees need no second factor
    out = me.follow(me.post("/logout"))
    assert "/login" in str(out.url)
    assert me.get("/").status_code == 303


def test_roles_the_policy_names_must_set_up_two_factor_first(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    me = browser()
    me.sign_in(people[Role.COMPLIANCE].email, PASSWORD)  # goes through the set-up page
    assert me.totp_secret
    assert me.get("/").status_code == 200
    # The next sign-in asks for the code before anything else.
    again = browser()
    again.totp_secret = me.totp_secret
    again.sign_in(people[Role.COMPLIANCE].email, PASSWORD)
    assert again.get("/").status_code == 200


def test_until_two_factor_is_on_every_page_leads_to_its_set_up(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    me = browser()
    page = me.client.get("/login")
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    me.client.post(
        "/login",
        data={"email": people[Role.ADMIN].email, "password": PASSWORD, "form_token": token},
    )
    response = me.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/account/two-factor"
    setup = me.follow(response)
    assert "<svg" in setup.text  # the QR code, drawn by us
    bad = me.post("/account/two-factor", {"code": "000000"})
    assert bad.status_code == 422
    assert "Ese código no es válido" in bad.text  # in the person's language
    assert me.get("/").status_code == 303  # still not on


def test_a_wrong_second_factor_code_is_refused(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    first = browser()
    first.sign_in(people[Role.PR].email, PASSWORD)
    second = browser()
    page = second.client.get("/login")
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    step = second.client.post(
        "/login", data={"email": people[Role.PR].email, "password": PASSWORD, "form_token": token}
    )
    assert step.headers["location"].startswith("/login/two-factor")
    assert second.get("/").headers["location"].startswith("/login/two-factor")
    form = second.client.get("/login/two-factor")
    csrf = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    wrong = second.client.post("/login/two-factor", data={"csrf_token": csrf, "code": "123456"})
    assert wrong.status_code == 401
    assert second.get("/").status_code == 303


def test_language_is_remembered_per_person(
    browser: Callable[[], Browser], people: dict[Role, Person]
) -> None:
    me = browser()
    home = me.sign_in(people[Role.EMPLOYEE].email, PASSWORD)
    assert '<html lang="es">' in home.text  # the person's language (Spanish by default)
    assert "Cerrar sesión" in home.text
    english = me.follow(me.post("/language", {"lang": "en", "next": "/"}))
    assert '<html lang="en">' in english.text
    assert "Sign out" in english.text
    # A new browser (no language cookie) gets English after signing in: it is in the profile.
    other = browser()
    assert '<html lang="en">' in other.sign_in(people[Role.EMPLOYEE].email, PASSWORD).text


def test_language_switch_needs_the_csrf_token_when_signed_in(
    signed_in: Callable[[Role], Browser],
) -> None:
    me = signed_in(Role.EMPLOYEE)
    response = me.client.post("/language", data={"lang": "en", "next": "/"})
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_sign_in_never_redirects_to_another_site(
    browser: Callable[[], Browser], people: dict[Role, Person], target: str
) -> None:
    visitor = browser()
    page = visitor.client.get("/login")
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    response = visitor.client.post(
        "/login",
        data={
            "email": people[Role.EMPLOYEE].email,
            "password": PASSWORD,
            "form_token": token,
            "next": target,
        },
    )
    assert response.headers["location"] == "/"


def test_unknown_page_is_a_page_not_json(signed_in: Callable[[Role], Browser]) -> None:
    response = signed_in(Role.EMPLOYEE).get("/no-such-page")
    assert response.status_code == 404


def test_forms_without_the_csrf_token_are_refused(signed_in: Callable[[Role], Browser]) -> None:
    me = signed_in(Role.EMPLOYEE)
    response = me.client.post("/logout", data={})
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "CSRF" in response.text
