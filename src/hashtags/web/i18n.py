"""Translations: gettext catalogues (Babel) for the web app, chosen per person.

Messages are written in English in the templates and the code; Spanish comes from the
``.po`` files under ``locale/es/LC_MESSAGES`` (one per area, merged here), compiled in memory
at start-up so that the repository holds only the text catalogues people edit.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("es", "en")
"""The web app's languages, the first being the default."""
LANGUAGE_NAMES = {"es": "Español", "en": "English"}
LANG_COOKIE = "hashtags_lang"


def catalogue_files(lang: str) -> list[str]:
    """The ``.po`` files of ``lang``, by name (one per area)."""
    folder = files("hashtags.web").joinpath("locale", lang, "LC_MESSAGES")
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".po"))


@cache
def translations(lang: str) -> NullTranslations:
    """Every catalogue of ``lang`` merged; English (the source language) needs none."""
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of the web app's languages {LANGUAGES}")
    merged: NullTranslations = NullTranslations()
    folder = files("hashtags.web").joinpath("locale", lang, "LC_MESSAGES")
    for name in catalogue_files(lang):
        with folder.joinpath(name).open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=name.removesuffix(".po"))
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        part = Translations(compiled)
        if isinstance(merged, Translations):
            merged.merge(part)
        else:
            merged = part
    return merged


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def pick_language(*candidates: str | None, accept: str | None = None) -> str:
    """The first supported language among ``candidates``, then the browser's, then Spanish."""
    for candidate in candidates:
        if candidate and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is stored now and translated when shown
    (navigation labels, notices after a redirect)."""
    return message


KEYWORDS = {"_": None, "gettext": (2,), "t": (2,), "N_": None, "NavItem": (1,)}
"""How messages are found in the web app's Python code (Babel keyword specs)."""


def extract_messages() -> dict[str, list[str]]:
    """Every message the web app shows, from its templates and code: msgid -> where used."""
    from babel.messages.extract import extract_from_dir

    root = str(files("hashtags.web"))
    found: dict[str, list[str]] = {}
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root, method_map=method_map, options_map=options, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def missing(lang: str = "es") -> dict[str, list[str]]:
    """Messages without a translation in ``lang``: msgid -> where used."""
    known: dict[object, str] = getattr(translations(lang), "_catalog", {})
    return {
        msgid: where
        for msgid, where in extract_messages().items()
        if not known.get(msgid) and msgid not in UNTRANSLATED
    }


UNTRANSLATED = frozenset({"HASHTAGS", "#HASHTAGS", "Mastodon", "Bluesky"})
"""Messages that read the same in every language and need no catalogue entry."""


def main() -> int:
    """``python -m hashtags.web.i18n``: list the messages that lack a Spanish translation, as
    ``.po`` entries ready to paste into the area's catalogue."""
    gaps = missing("es")
    for msgid, where in sorted(gaps.items(), key=lambda item: item[1][0]):
        print(f"#: {' '.join(where[:3])}")
        print(f"msgid {_po_quote(msgid)}")
        print('msgstr ""\n')
    return 1 if gaps else 0


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    raise SystemExit(main())
