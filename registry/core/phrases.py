"""Counted nouns and summary sentences of the command line and the write API, in English and
Dutch with the right singular or plural ("1 passport", "2 paspoorten"), never "passport(s)"."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from registry.core.errors import RegistryError

# noun -> language -> (singular, plural)
NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "passport": {"en": ("passport", "passports"), "nl": ("paspoort", "paspoorten")},
    "version": {"en": ("version", "versions"), "nl": ("versie", "versies")},
    "graph": {"en": ("graph", "graphs"), "nl": ("graaf", "grafen")},
    "quad": {"en": ("quad", "quads"), "nl": ("quad", "quads")},
    "bad row": {"en": ("bad row", "bad rows"), "nl": ("foute rij", "foute rijen")},
    "price": {"en": ("price", "prices"), "nl": ("prijs", "prijzen")},
    "row": {"en": ("row", "rows"), "nl": ("rij", "rijen")},
    "triple": {"en": ("triple", "triples"), "nl": ("tripel", "tripels")},
    "file": {"en": ("file", "files"), "nl": ("bestand", "bestanden")},
    "municipality": {"en": ("municipality", "municipalities"), "nl": ("gemeente", "gemeenten")},
    "graph changed": {"en": ("graph changed", "graphs changed"), "nl": ("graaf gewijzigd", "grafen gewijzigd")},
    "page": {"en": ("page", "pages"), "nl": ("pagina", "pagina's")},
    "member": {"en": ("member", "members"), "nl": ("lid", "leden")},
}


def counted(n: int, noun: str, lang: str = "en") -> str:
    """``counted(1, "passport", "nl")`` is "1 paspoort"; ``counted(2, "passport")`` "2 passports"."""
    one, many = NOUNS[noun]["nl" if lang == "nl" else "en"]
    return f"{n} {one if n == 1 else many}"


def number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """A number for people: "12,345.6" in English, "12.345,6" in Dutch."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "nl" else text


def not_conforming(bad: int, lang: str = "en") -> str:
    """"1 does not conform" / "2 do not conform" / "1 voldoet niet" / "2 voldoen niet"."""
    if lang == "nl":
        return f"{bad} {'voldoet' if bad == 1 else 'voldoen'} niet"
    return f"{bad} {'does' if bad == 1 else 'do'} not conform"


def validation_summary(bad: int, total: int, lang: str = "en") -> str:
    """The one-line result of ``passports validate``: "1 paspoort, 1 voldoet niet"."""
    return f"{counted(total, 'passport', lang)}, {not_conforming(bad, lang)}"


def report_summary(bad: int, total: int, lang: str = "en") -> str:
    """The ``detail`` of the write API's validation report."""
    if lang == "nl":
        if bad:
            return (f"{bad} van {counted(total, 'passport', 'nl')} "
                    f"{'voldoet' if bad == 1 else 'voldoen'} niet aan de regels; er is niets opgeslagen")
        return "het paspoort voldoet" if total == 1 else f"alle {total} paspoorten voldoen"
    if bad:
        return (f"{bad} of {counted(total, 'passport')} {'does' if bad == 1 else 'do'} not conform to "
                "the shapes; nothing was stored")
    return "the passport conforms" if total == 1 else f"all {total} passports conform"


def timestamp(value: str | None) -> str:
    """An xsd:dateTime for people: date, time with seconds, and zone ("2026-12-05 01:24:50 UTC");
    a date alone stays a date; text that is no time is returned as it is."""
    if not value:
        return ""
    text = str(value)
    if "T" not in text:
        return text[:10]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.utcoffset()
    zone = "UTC" if not offset else moment.strftime("UTC%z")
    if zone.startswith("UTC") and len(zone) == 8:
        zone = f"{zone[:6]}:{zone[6:]}"
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + zone


class Note(str):
    """A text that is English as a string (in JSON, logs) and carries its Dutch: ``note.nl``;
    ``in_language(note, "nl")`` is the Dutch of a ``Note`` and any other text as it is."""

    nl: str

    def __new__(cls, en: str, nl: str) -> Self:
        note = super().__new__(cls, en)
        note.nl = nl
        return note

    def __reduce__(self):
        return Note, (str(self), self.nl)


def in_language(text: str, lang: str) -> str:
    return text.nl if lang == "nl" and isinstance(text, Note) else str(text)


class Wording:
    """The texts a person sees from one module, each in English and Dutch under a key, kept in one
    place per module: ``WORDS.say("no_file", "nl", path=p)`` is the Dutch text filled in,
    ``WORDS.both(...)`` the pair (English, Dutch) for an error that carries both.

    >>> WORDS = Wording({"no_file": ("{path}: no such file", "{path}: dat bestand bestaat niet")})
    >>> WORDS.say("no_file", "nl", path="a.ttl")
    'a.ttl: dat bestand bestaat niet'
    """

    def __init__(self, texts: dict[str, tuple[str, str]]) -> None:
        self.texts = texts

    def say(self, key: str, lang: str = "en", /, **values) -> str:
        """The text of ``key`` in ``lang``; an error among ``values`` is put in with its message in
        that language."""
        en, nl = self.texts[key]
        text = nl if lang == "nl" else en
        values = {k: v.message(lang) if isinstance(v, RegistryError) else v for k, v in values.items()}
        return text.format(**values) if values else text

    def both(self, key: str, /, **values) -> tuple[str, str]:
        return self.say(key, "en", **values), self.say(key, "nl", **values)
