"""Languages of the HTML pages: Dutch first, English on request.

The language comes from ``?lang=nl|en`` (which also sets a cookie), else from the ``lang`` cookie,
else Dutch. UI strings are data in ``site/i18n/{lang}.json``; labels of terms (materials,
concepts, classes) come from the ontology (see ``registry.terms``), never from these files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from registry.core.resources import SITE_DIR

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
COOKIE = "lang"
I18N_DIR = SITE_DIR / "i18n"


@functools.cache
def strings(lang: str) -> Mapping[str, str]:
    """The UI strings of one language (a missing key falls back to Dutch, then to the key)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    path = I18N_DIR / f"{lang}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RuntimeError(f"cannot read the UI strings {path}: {exc}; restore the file from git") from exc


class Translator:
    """``t("key", n=3)``: the UI string ``key`` in this language, formatted with the arguments."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._strings = strings(self.lang)
        self._fallback = strings(DEFAULT_LANGUAGE)

    def __call__(self, key: str, /, **values) -> str:
        text = self._strings.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    @property
    def other(self) -> str:
        """The language the switch offers."""
        return "en" if self.lang == "nl" else "nl"


@functools.cache
def translator(lang: str) -> Translator:
    return Translator(lang)


def choose_language(query_lang: str | None, cookie_lang: str | None) -> tuple[str, bool]:
    """(language, whether to set the cookie): the query parameter wins and is remembered."""
    if query_lang in LANGUAGES:
        return query_lang, query_lang != cookie_lang
    if cookie_lang in LANGUAGES:
        return cookie_lang, False
    return DEFAULT_LANGUAGE, False


def request_language(request) -> tuple[str, bool]:
    return choose_language(request.query_params.get("lang"), request.cookies.get(COOKIE))


def pick(values: Mapping[str, str], lang: str) -> str:
    """The text in ``lang`` from a language map, else Dutch, English, untagged, any."""
    for key in (lang, DEFAULT_LANGUAGE, "en", ""):
        if values.get(key):
            return values[key]
    return next(iter(values.values()), "")
