"""Passports whose texts are script, for the tests that show them (pages in-process and in a
browser): every payload, if it ran, would request a path under ``/xss-`` or open a dialog."""

from __future__ import annotations

from conftest import docs_from, passport_ttl

PAYLOADS = {
    "img": "<img src=/xss-img onerror=\"fetch('/xss-onerror')\">",
    "script": "<script>fetch('/xss-script')</script>",
    "svg": "\"><svg onload=\"fetch('/xss-svg')\">",
    "attr": "' onmouseover='fetch(\"/xss-attr\")' data-x='",
    "js": "javascript:fetch('/xss-js')",
    "alert": "<img src=x onerror=alert(1)>",
}
ALL = " ".join(PAYLOADS.values())


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_passport(key: str, title: str) -> str:
    ttl = passport_ttl(key=key, label="placeholder")
    replacements = {
        '"Materialenpaspoort Brug Twentekanaal"@nl': _lit("Brug " + title) + "@nl",
        '"placeholder"@nl ;': _lit("Object " + PAYLOADS["svg"] + PAYLOADS["attr"]) + "@nl ;\n    "
                             "rdfs:comment " + _lit(ALL) + "@nl ;",
        '"Brugdek"@nl': _lit("Dek " + PAYLOADS["script"]) + "@nl",
        '"Leuning"@nl': _lit("Leuning " + PAYLOADS["img"]) + "@nl",
        '"lengte 48 m x 50 kg/m (tekening 1978)"': _lit("staal " + ALL),  # the material's text
        '"Indicatieve marktprijs beton 2026"': _lit("beton " + ALL),
        '"BR-0042"': _lit("BR " + PAYLOADS["alert"]),
    }
    for old, new in replacements.items():
        assert old in ttl, old
        ttl = ttl.replace(old, new)
    return ttl


TABLE_QUERY = ("PREFIX dcterms: <http://purl.org/dc/terms/>\n"
               "SELECT ?passport ?title ?link WHERE { ?passport dcterms:title ?title . "
               "BIND(IRI(\"javascript:fetch('/xss-js')\") AS ?link) } LIMIT 20")


def add_hostile_passports(registry) -> None:
    """GM0153/xss-1 (two versions), xss-2 and xss-3, every text of them script."""
    for key, name in (("xss-1", "img"), ("xss-2", "script"), ("xss-3", "svg")):
        report = registry.add(docs_from(hostile_passport(key, PAYLOADS[name] + " " + PAYLOADS["js"])))
        assert not report.rejected, report.rejected
    # a second version of xss-1: its first is a version page
    report = registry.add(docs_from(hostile_passport("xss-1", PAYLOADS["alert"] + " herzien")))
    assert report.updated, report
