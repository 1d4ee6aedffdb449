"""The services' messages (domain errors, policy file problems) in the reader's language.

Every message a service raises is found in the source code and must be a plain literal whose
placeholders are exactly the values passed, with a Spanish translation that keeps them; then,
through the real app, a Spanish reader sees the Spanish text and an English reader the English.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from tests.support.api import PASSWORD, Person
from tests.support.web import Browser
from tests.web.conftest import Accounts
from tests.web.test_admin import english

from hashtags.connectors.base import ConnectorError
from hashtags.errors import Count, InvalidInput, Message, NotFound, Phrase, said
from hashtags.people.permissions import Role
from hashtags.policy import PolicyError, parse_policy
from hashtags.policy.loader import LIMITS
from hashtags.policy.versions import InvalidPolicy, check_source
from hashtags.web.i18n import catalogue_files, translations
from hashtags.web.messages import api_language, localized, say

ERROR_TYPES = frozenset(
    {
        "DomainError",
        "NotFound",
        "Forbidden",
        "Conflict",
        "InvalidInput",
        "Unauthorized",
        "InvalidValue",
        "InvalidText",
        "Message",
        "ConnectorError",
    }
)
"""Calls whose first argument is a message id."""
OPTIONS = frozenset({"permanent"})
"""Keywords of those calls that are not values of the message (``ConnectorError``'s)."""
CATALOGUES = ("services.po", "policy_file.po")
"""The catalogues of the services' messages, under ``hashtags/web/locale/es/LC_MESSAGES``."""
PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]")


# --- finding the messages in the code ------------------------------------------------------


def message_calls() -> Iterator[tuple[str, str, ast.expr, frozenset[str] | None]]:
    """Each call that takes a message id, in ``src/hashtags``: where, what is called
    (``error``, ``phrase``, ``problem``), the message argument and the names of the values
    passed (None when they cannot be told).

    The calls: the errors of ``hashtags.errors`` (message first, values as keywords),
    ``Problem(file, line, key, message, {values})`` (whose message may come from an error it
    reports) and ``Phrase(words)``.
    """
    root = Path(str(files("hashtags")))
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            where = f"{path.relative_to(root.parent).as_posix()}:{node.lineno}"
            if name in ERROR_TYPES:
                names = (
                    None
                    if any(k.arg is None for k in node.keywords)
                    else frozenset(k.arg for k in node.keywords if k.arg not in (None, *OPTIONS))
                )
                # hashtags.errors turns stored or raised messages into others: not new ones;
                # the loader's bounds messages come from its LIMITS table, scanned apart.
                relative = path.relative_to(root).as_posix()
                from_limits = relative == "policy/loader.py" and isinstance(node.args[0], ast.Name)
                kind = "convert" if relative == "errors.py" or from_limits else "error"
                yield where, kind, node.args[0], names
            elif name == "Phrase":
                kind = "convert" if path.relative_to(root).as_posix() == "errors.py" else "phrase"
                yield where, kind, node.args[0], frozenset()
            elif name == "Problem" and len(node.args) >= 4:
                values = node.args[4] if len(node.args) > 4 else None
                yield where, "problem", node.args[3], _dict_keys(values)


def _dict_keys(node: ast.expr | None) -> frozenset[str] | None:
    if node is None:
        return frozenset()
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
        return frozenset(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def service_messages() -> dict[str, list[str]]:
    """Every message id the services and the policy loader write: msgid -> where."""
    found: dict[str, list[str]] = {}
    for where, _kind, node, _names in message_calls():
        message = _literal(node)
        if message is not None:
            found.setdefault(message, []).append(where)
    for bound, message in LIMITS.values():  # the loader's table of Pydantic bounds errors
        found.setdefault(message, []).append(f"hashtags/policy/loader.py LIMITS[{bound}]")
    return found


def test_the_code_is_scanned() -> None:
    found = service_messages()
    assert "account_ids: choose at least one account to publish on" in found  # posts
    assert "password: at least %(least)s characters are required" in found  # people
    assert "unknown key %(key)r; expected one of %(keys)s" in found  # the policy loader
    assert "a list" in found  # a Phrase
    assert len(found) > 150


def test_every_message_is_a_literal_with_exactly_its_values() -> None:
    problems = []
    for where, kind, node, names in message_calls():
        message = _literal(node)
        if message is None:
            # A problem may report the message of an error it wraps; the others are literals.
            if kind not in ("problem", "convert"):
                problems.append(f"{where}: the message is not a literal (no f-strings)")
            continue
        if names is None or kind in ("phrase", "convert"):  # a phrase is words, never filled in
            continue
        wanted = set(PLACEHOLDER.findall(message))
        if wanted != names:
            problems.append(f"{where}: {message!r} has {sorted(wanted)}, given {sorted(names)}")
        elif not names and "%" in message:
            problems.append(f"{where}: {message!r} has a '%' but no values")
    assert not problems, "\n".join(problems)


def test_every_message_has_a_spanish_translation() -> None:
    known: dict[object, str] = getattr(translations("es"), "_catalog", {})
    gaps = {m: where for m, where in service_messages().items() if not known.get(m)}
    listing = "\n".join(
        f'#: {" ".join(where[:2])}\nmsgid {json.dumps(m, ensure_ascii=False)}\nmsgstr ""\n'
        for m, where in gaps.items()
    )
    assert not gaps, (
        "messages without a Spanish translation (add them to "
        f"hashtags/web/locale/es/LC_MESSAGES/{CATALOGUES[0]} or {CATALOGUES[1]}):\n{listing}"
    )


@pytest.mark.parametrize("name", CATALOGUES)
def test_translations_keep_the_placeholders(name: str) -> None:
    path = files("hashtags.web").joinpath("locale", "es", "LC_MESSAGES", name)
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="es")
    wrong = [
        f"{m.id!r} -> {m.string!r}"
        for m in catalogue
        if m.id
        and m.string
        and sorted(PLACEHOLDER.findall(str(m.id))) != sorted(PLACEHOLDER.findall(str(m.string)))
    ]
    assert not wrong, "\n".join(wrong)
    assert len(list(catalogue)) > 20


def test_no_message_is_translated_twice_differently() -> None:
    # The catalogues are merged into one: the same msgid in two of them, translated
    # differently, would change the text of one page or the other depending on file names.
    folder = files("hashtags.web").joinpath("locale", "es", "LC_MESSAGES")
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for name in catalogue_files("es"):
        with folder.joinpath(name).open("rb") as handle:
            for message in read_po(handle, locale="es"):
                if not message.id:
                    continue
                msgid, msgstr = str(message.id), str(message.string)
                if msgid in seen and seen[msgid][1] != msgstr:
                    clashes.append(f"{msgid!r}: {seen[msgid][0]} and {name}")
                seen.setdefault(msgid, (name, msgstr))
    assert not clashes, "\n".join(clashes)


# --- rendering -----------------------------------------------------------------------------


def test_str_stays_english_and_the_edge_translates_with_values() -> None:
    error = NotFound("post %(post)s not found", post=7)
    assert str(error) == "post 7 not found"  # the API's default, the logs, the CLI
    assert localized("en", error) == "post 7 not found"
    spanish = localized("es", error)
    assert "7" in spanish and spanish != str(error)


def test_phrases_counts_and_quoted_errors_are_translated_too() -> None:
    message = "expected %(wanted)s, found %(found)s"
    values = {"wanted": Phrase("a list"), "found": Phrase("a number")}
    assert say("en", message, values) == "expected a list, found a number"
    spanish = say("es", message, values)
    assert translations("es").gettext("a list") in spanish
    assert translations("es").gettext("a number") in spanish

    assert str(Count(20000)) == "20,000"
    assert say("es", "%(n)s", {"n": Count(20000)}) == "20.000"

    inner = InvalidInput("password: at least %(least)s characters are required", least=12)
    outer = InvalidInput("text: %(problem)s", problem=inner)
    assert str(outer) == "text: password: at least 12 characters are required"
    assert localized("es", outer).endswith(localized("es", inner))


def test_policy_problems_carry_their_message_and_values() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy("organization:\n  name: X\n  handles: 5\ncolour: red\n")
    handles, colour = sorted(caught.value.problems, key=lambda p: p.key)[::-1]
    assert str(handles) == "policy.yaml:3: organization.handles: expected a list, found a number"
    assert localized("en", handles) == "expected a list, found a number"
    assert "5" not in localized("es", handles) and localized("es", handles) != handles.text
    assert colour.params["key"] == "colour"


def test_a_message_kept_in_a_json_column_reads_back_in_either_language() -> None:
    inner = ConnectorError(
        "sandbox: refused with 422: the text has %(size)s characters, more than the "
        "%(most)s this network accepts: shorten it and submit it again",
        permanent=True,
        size=Count(20000),
        most=Count(500),
    )
    kept = Message("gave up after %(attempts)s attempts: %(error)s", attempts=3, error=inner)
    stored = json.loads(json.dumps(kept.as_json()))  # through the database's JSON
    again = Message.from_json(stored)
    assert again is not None and str(again) == str(kept)
    assert str(kept).startswith("gave up after 3 attempts: sandbox: refused with 422")
    spanish = say("es", again.message, again.params)
    assert spanish.startswith("se abandonó tras 3 intentos: sandbox: rechazado con 422")
    assert "20.000" in spanish  # the count, grouped as Spanish does
    # A network's own words are kept as they are, in any language.
    remote = said(RuntimeError("Rate limit: réessayez plus tard"))
    assert say("es", remote.message, remote.params) == "Rate limit: réessayez plus tard"
    assert Message.from_json("an old row's plain text") is None
    assert Message.from_json({"params": {}}) is None


def test_a_policy_that_cannot_be_used_is_explained_wherever_it_is_shown() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        check_source("organization:\n  name: X\n  handles: 5\ncolour: red\n")
    english_text = str(caught.value)
    assert english_text.splitlines()[0] == "the policy cannot be used as it is:"
    assert "policy.yaml:3: organization.handles: expected a list, found a number" in english_text
    spanish = localized("es", caught.value)
    assert spanish.splitlines()[0] == "la política no se puede usar tal como está:"
    assert "policy.yaml:3: organization.handles: se esperaba una lista y hay un número" in (spanish)
    assert len(spanish.splitlines()) == 1 + len(caught.value.problems)
    assert "expected a list" not in spanish


def test_the_api_speaks_english_unless_asked() -> None:
    assert api_language(None) == "en"
    assert api_language("fr-FR,fr;q=0.9") == "en"
    assert api_language("es-ES,es;q=0.9,en;q=0.8") == "es"
    assert api_language("en-GB,en;q=0.9,es;q=0.5") == "en"


# --- through the app -----------------------------------------------------------------------


def test_composing_without_an_account_is_refused_in_the_authors_language(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    form = {"text": "Hoy abrimos a las 9.", "action": "draft"}  # no account chosen
    spanish = signed_in(Role.SOCIAL_ENGAGEMENT).post("/compose", form)
    assert spanish.status_code == 422
    assert "account_ids: elige al menos una cuenta en la que publicar" in spanish.text
    assert "choose at least one account" not in spanish.text

    me = english(signed_in(Role.SOCIAL_ENGAGEMENT))
    response = me.post("/compose", form)
    assert response.status_code == 422
    assert "account_ids: choose at least one account to publish on" in response.text


def test_a_weak_password_is_explained_in_the_admins_language(
    signed_in: Callable[[Role], Browser],
) -> None:
    person = {
        "name": "Marta Gil",
        "email": "marta.gil@cafeterra.es",
        "role": "employee",
        "language": "es",
        "password": "short",
    }
    admin = signed_in(Role.ADMIN)
    spanish = admin.post("/admin/people", person)
    assert spanish.status_code == 422
    assert "No se ha hecho: password: hacen falta al menos 12 caracteres" in spanish.text

    mixed = admin.post("/admin/people", {**person, "password": "alllowercase-and-long"})
    assert "mezcla mayúsculas y minúsculas" in mixed.text

    english(admin)
    response = admin.post("/admin/people", person)
    assert "That was not done: password: at least 12 characters are required" in response.text


def test_the_policy_editor_explains_problems_in_the_editors_language(
    signed_in: Callable[[Role], Browser],
) -> None:
    broken = (
        "organization:\n  name: Caféterra\n  industry: banking\n  handles: 5\n"
        "approvals:\n  expire_after_hours: 0\ncolour: red\n"
    )
    me = signed_in(Role.COMPLIANCE)
    spanish = me.post("/policy/edit", {"source": broken, "action": "validate"})
    assert spanish.status_code == 422
    assert "&#39;banking&#39; no es ninguno de general, finance, health, government" in (
        spanish.text
    )
    assert "se esperaba una lista y hay un número" in spanish.text
    assert "debe ser al menos 1 (hay 0)" in spanish.text
    assert "clave desconocida &#39;colour&#39;" in spanish.text
    yaml_error = me.post("/policy/edit", {"source": "organization: [", "action": "validate"})
    assert "YAML no válido" in yaml_error.text

    english(me)
    response = me.post("/policy/edit", {"source": broken, "action": "validate"})
    assert "&#39;banking&#39; is not one of general, finance, health, government" in (response.text)
    assert "expected a list, found a number" in response.text
    assert "should be at least 1 (found 0)" in response.text
    assert "unknown key &#39;colour&#39;" in response.text


def test_an_error_page_is_in_the_visitors_language(
    signed_in: Callable[[Role], Browser],
) -> None:
    me = signed_in(Role.PR)
    spanish = me.get("/posts/999999")
    assert spanish.status_code == 404
    assert "999999" in spanish.text and "post 999999 not found" not in spanish.text
    english(me)
    assert "post 999999 not found" in me.get("/posts/999999").text


def test_a_value_a_page_does_not_take_is_the_error_page_naming_it(
    signed_in: Callable[[Role], Browser],
) -> None:
    me = signed_in(Role.PR)
    spanish = me.get("/posts/abc")
    assert spanish.status_code == 422
    assert spanish.headers["content-type"].startswith("text/html")
    assert "Algunos valores no son válidos:" in spanish.text
    assert "post_id: se esperaba un número entero y hay un texto" in spanish.text
    too_big = me.get("/posts/99999999999")
    assert too_big.status_code == 422
    assert "post_id: debe ser como mucho" in too_big.text
    english(me)
    response = me.get("/posts/abc")
    assert "post_id: expected a whole number, found text" in response.text
    assert "Some values are not valid:" in response.text
    # The API keeps its JSON.
    api = me.client.get("/api/v1/posts/abc")
    assert api.status_code == 422 and "post_id" in api.json()["detail"]


def test_a_text_that_is_not_valid_unicode_is_refused(
    client: TestClient, people: dict[Role, Person]
) -> None:
    # JSON can spell half of a surrogate pair on its own; no UTF-8 text can hold it. The
    # request's validation refuses it (the engine would too: tests/review/test_engine.py).
    body = '{"text": "hola \\ud800 pedido", "models": true}'
    headers = {**people[Role.PR].headers, "Content-Type": "application/json"}
    for lang in ("en", "es"):
        refused = client.post(
            "/api/v1/review", content=body, headers={**headers, "Accept-Language": lang}
        )
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("text: ")
        assert "unicode" in refused.json()["detail"].lower()


def test_the_apis_validation_errors_name_each_field_in_the_callers_language(
    client: TestClient, people: dict[Role, Person]
) -> None:
    headers = people[Role.PR].headers
    body = {"text": "Hola", "account": "corporate", "channel": "x" * 81}
    english = client.post("/api/v1/review", json=body, headers=headers)
    assert english.status_code == 422
    assert english.json()["detail"] == (
        "account: 'corporate' is not one of brand, personal; "
        "channel: should have at most 80 characters"
    )
    spanish = client.post(
        "/api/v1/review", json=body, headers={**headers, "Accept-Language": "es-ES,es;q=0.9"}
    )
    assert spanish.json()["detail"] == (
        "account: 'corporate' no es ninguno de brand, personal; "
        "channel: debe tener como mucho 80 caracteres"
    )
    missing = client.post("/api/v1/review", json={}, headers=headers)
    assert missing.json()["detail"] == "text: is required but missing"
    # Without a body, or with one that is not JSON, the body is what is named.
    nobody = client.post("/api/v1/review", headers=headers)
    assert nobody.status_code == 422 and nobody.json()["detail"] == "body: is required but missing"
    broken = client.post(
        "/api/v1/review",
        content=b'{"text": ',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["detail"].startswith("body.")
    assert "is not valid JSON" in broken.json()["detail"]
    # A long value is not echoed back whole.
    long = client.post("/api/v1/review", json={"text": "x", "lang": "y" * 500}, headers=headers)
    assert long.status_code == 422 and len(long.json()["detail"]) < 200


def test_the_api_answers_in_spanish_when_asked(
    client: TestClient, people: dict[Role, Person]
) -> None:
    headers = people[Role.PR].headers
    default = client.get("/api/v1/posts/999999", headers=headers)
    assert default.status_code == 404
    assert default.json()["detail"] == "post 999999 not found"
    spanish = client.get("/api/v1/posts/999999", headers={**headers, "Accept-Language": "es"})
    assert spanish.status_code == 404
    assert spanish.json()["detail"] == localized(
        "es", NotFound("post %(post)s not found", post=999999)
    )
    assert spanish.json()["detail"] != default.json()["detail"]


def test_the_sign_in_api_refuses_in_spanish_when_asked(
    client: TestClient, people: dict[Role, Person]
) -> None:
    wrong = {"email": people[Role.PR].email, "password": PASSWORD + "x"}
    english = client.post("/api/v1/auth/login", json=wrong)
    assert english.status_code == 401 and english.json()["detail"] == "wrong e-mail or password"
    spanish = client.post("/api/v1/auth/login", json=wrong, headers={"Accept-Language": "es"})
    assert spanish.status_code == 401
    assert spanish.json()["detail"] == say("es", "wrong e-mail or password")
    assert spanish.json()["detail"] != english.json()["detail"]


def test_an_address_no_route_answers_is_a_page_for_pages_and_json_for_the_api(
    signed_in: Callable[[Role], Browser], client: TestClient
) -> None:
    me = signed_in(Role.PR)
    page = me.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="es"' in page.text and "<title>" in page.text
    assert say("es", "Not found") in page.text and say("es", "Not found") != "Not found"
    english(me)
    assert "Not found" in me.get("/no-such-page").text
    wrong_method = me.client.delete("/compose")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"].startswith("text/html")

    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    static = client.get("/static/no-such-file.css")
    assert static.status_code == 404 and "<html" not in static.text
