"""The words of a mapping error, in English and Dutch: pydantic's error for one key of a mapping
file said as a person editing the YAML would (the key, what is wrong, what to write instead).

The mapping models raise :func:`refused` (a pydantic error that carries both texts); pydantic's own
errors (a wrong type, a value outside a choice) are translated by their error type; anything else
keeps pydantic's English text after a Dutch lead-in.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

# pydantic error type -> (English, Dutch), formatted with the error's ``ctx``
_BY_TYPE: dict[str, tuple[str, str]] = {
    "string_type": ("give a text here", "hier hoort een tekst"),
    "int_type": ("give a whole number here", "hier hoort een geheel getal"),
    "int_parsing": ("give a whole number here", "hier hoort een geheel getal"),
    "int_from_float": ("give a whole number here", "hier hoort een geheel getal"),
    "float_type": ("give a number here", "hier hoort een getal"),
    "float_parsing": ("give a number here", "hier hoort een getal"),
    "bool_type": ("give true or false here", "hier hoort true of false"),
    "bool_parsing": ("give true or false here", "hier hoort true of false"),
    "dict_type": ("give a mapping (key: value lines) here", "hier hoort een mapping (regels sleutel: waarde)"),
    "model_type": ("give a mapping (key: value lines) here", "hier hoort een mapping (regels sleutel: waarde)"),
    "model_attributes_type": ("give a mapping (key: value lines) here",
                              "hier hoort een mapping (regels sleutel: waarde)"),
    "list_type": ("give a list here", "hier hoort een lijst"),
    "literal_error": ("choose one of {expected}", "kies uit {expected}"),
    "greater_than": ("give a number greater than {gt}", "geef een getal groter dan {gt}"),
    "string_pattern_mismatch": ("the text does not match the pattern {pattern}",
                                "de tekst past niet bij het patroon {pattern}"),
    "string_too_long": ("the text is longer than {max_length} characters",
                        "de tekst is langer dan {max_length} tekens"),
}


def refused(en: str, nl: str) -> PydanticCustomError:
    """An error for a mapping model's validator to raise, with its text in both languages."""
    return PydanticCustomError("mapping", "{en}", {"en": en, "nl": nl})


def describe(error: dict) -> tuple[str, str]:
    """(English, Dutch) for one pydantic error of a mapping file."""
    loc = tuple(str(p) for p in error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "mapping":
        return ctx["en"], ctx["nl"]
    if kind == "extra_forbidden":
        return (f"unknown key {loc[-1]!r}; see docs/importing.md for the keys of this section",
                f"onbekende sleutel {loc[-1]!r}; docs/importing.md noemt de sleutels van dit deel")
    if kind == "missing":
        return f"the key {loc[-1]!r} is required here", f"de sleutel {loc[-1]!r} is hier verplicht"
    if kind in _BY_TYPE:
        en, nl = _BY_TYPE[kind]
        return en.format(**ctx), nl.format(**ctx)
    text = error["msg"].removeprefix("Value error, ")
    return text, f"ongeldige waarde: {text}"


def more_problems(more: int) -> tuple[str, str]:
    """The note after the first problem when pydantic found more."""
    if not more:
        return "", ""
    return (f" (and {more} more {'problem' if more == 1 else 'problems'} after fixing this one)",
            f" (en nog {more} {'probleem' if more == 1 else 'problemen'} na dit)")
