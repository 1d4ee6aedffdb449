"""Spanish and English complete: every message the app shows has a Spanish translation."""

from __future__ import annotations

from hashtags.web.i18n import (
    catalogue_files,
    extract_messages,
    missing,
    pick_language,
    translations,
)


def test_every_message_has_a_spanish_translation() -> None:
    gaps = missing("es")
    listing = "\n".join(f"{msgid!r} ({', '.join(where[:2])})" for msgid, where in gaps.items())
    assert not gaps, (
        "messages without a Spanish translation (python -m hashtags.web.i18n):\n" + listing
    )


def test_messages_are_found_in_templates_and_code() -> None:
    found = extract_messages()
    assert "Sign in" in found  # a template
    assert "Wrong e-mail or password." in found  # Python code
    assert "Home" in found  # a navigation label


def test_catalogues_are_merged() -> None:
    assert {"base.po", "auth.po"} <= set(catalogue_files("es"))
    es = translations("es")
    assert es.gettext("Sign in") == "Iniciar sesión"  # auth.po
    assert es.gettext("Home") == "Inicio"  # base.po
    assert translations("en").gettext("Sign in") == "Sign in"


def test_language_choice() -> None:
    assert pick_language("en") == "en"
    assert pick_language(None, accept="fr-FR,en;q=0.8,es;q=0.5") == "en"
    assert pick_language("de", accept=None) == "es"
