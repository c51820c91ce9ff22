"""What the command line says, in English and Dutch: table headers, summaries, short messages.

``say(key, lang, **values)`` formats one text; counts go through ``registry.core.phrases`` so a
count reads "1 paspoort" or "2 passports", never "passport(s)". The language is the command's
``--lang``, else ``PASSPORTS_LANG``, else English (:func:`cli_language`).
"""

from __future__ import annotations

import sys

import typer

from registry.core.errors import RegistryError
from registry.core.phrases import Wording, counted
from registry.core.settings import Settings

TEXTS: dict[str, tuple[str, str]] = {
    "history.version": ("version", "versie"),
    "history.written": ("written", "geschreven"),
    "history.replaced": ("replaced/retired", "vervangen/ingetrokken"),
    "history.by": ("by", "door"),
    "history.source": ("source", "bron"),
    "history.retired": ("retired at {at}: {reason}", "ingetrokken op {at}: {reason}"),
    "init.ready": ("registry ready in {data} ({passports}), base IRI {base} (stored with the data)",
                   "register klaar in {data} ({passports}), basis-IRI {base} (opgeslagen bij de gegevens)"),
    "add.summary": (("created {created}, updated {updated}, unchanged {unchanged}, rejected {rejected}, "
                     "with warnings {warnings}"),
                    ("nieuw {created}, bijgewerkt {updated}, ongewijzigd {unchanged}, geweigerd {rejected}, "
                     "met waarschuwingen {warnings}")),
    "retire.done": ("retired {iri} (last version {version})", "{iri} ingetrokken (laatste versie {version})"),
    "serve.serving": ("serving {base} from {data} on {host}:{port}",
                      "register {base} uit {data} op {host}:{port}"),
    "error": ("error", "fout"),
    "more": ("... and more; use --format json for the full report",
             "... en meer; gebruik --format json voor het hele rapport"),
    "issue.focus": ("focus", "onderwerp"),
    "issue.field": ("field", "veld"),
    "issue.path": ("path", "pad"),
    "issue.value": ("value", "waarde"),
    "token.id": ("id", "id"),
    "token.municipality": ("municipality", "gemeente"),
    "token.label": ("label", "omschrijving"),
    "token.created": ("created", "gemaakt"),
    "token.revoked": ("revoked", "ingetrokken"),
    "token.made": (("Token {id} for {municipality} created. Store it now: it is shown only this once. Send it "
                   "as 'Authorization: Bearer <token>'."),
                   ("Token {id} voor {municipality} gemaakt. Bewaar het nu: het wordt alleen deze keer getoond. "
                   "Stuur het mee als 'Authorization: Bearer <token>'.")),
    "token.none": ("no tokens yet; make one with `passports token create --municipality GMxxxx`",
                   "nog geen tokens; maak er een met `passports token create --municipality GMxxxx`"),
    "token.gone": ("Token {id} of {municipality} revoked at {at}.", "Token {id} van {municipality} ingetrokken op {at}."),
    "Violation": ("Violation", "Overtreding"),
    "Warning": ("Warning", "Waarschuwing"),
    "Info": ("Info", "Info"),
    "passports": ("passports", "paspoorten"),
    "no_file": ("{path}: no such file", "{path}: dat bestand bestaat niet"),
    "add.broken": (("{problem}\nNothing after the last complete batch was stored; passports stored before stay. "
                    "Fix the file and run the same command again: stored passports are skipped."),
                   ("{problem}\nNa de laatste volledige reeks is niets opgeslagen; eerder opgeslagen paspoorten "
                    "blijven. Verbeter het bestand en geef dezelfde opdracht opnieuw: opgeslagen paspoorten "
                    "worden overgeslagen.")),
    "engine": ("unknown engine {engine!r}; use fast or pyshacl",
               "onbekende controlemethode {engine!r}; gebruik fast of pyshacl"),
    "validate.none": ("{file}: no passport found (the file describes no passport)",
                      "{file}: geen paspoort gevonden (het bestand beschrijft geen paspoort)"),
    "format": ("unknown format {format!r}; use one of {formats}",
               "onbekend formaat {format!r}; gebruik een van {formats}"),
    "show.missing": ("{iri} is not in this registry", "{iri} staat niet in dit register"),
    "history.none": ("{iri} has no versions in this registry", "{iri} heeft geen versies in dit register"),
    "query.which": ("give a .rq file or --name NAME (one of them)",
                    "geef een .rq-bestand of --name NAAM (een van beide)"),
    "query.param": ("--param works with --name (a saved query declares its parameters)",
                    "--param werkt met --name (een opgeslagen zoekvraag noemt zijn parameters)"),
    "query.bind": ("cannot bind the parameters: {problem}", "de parameters passen niet: {problem}"),
    "query.read": ("cannot read the query: {problem}", "kan de zoekvraag niet lezen: {problem}"),
    "query.syntax": ("SPARQL syntax error: {problem}", "fout in de SPARQL-zoekvraag: {problem}"),
    "compact.busy": ("Compacting the store ...", "De opslag wordt samengeperst ..."),
    "export.dumps": ("{files} written to {folder} (sizes and SHA-256 in {manifest})",
                     "{files} geschreven naar {folder} (groottes en SHA-256 in {manifest})"),
    "compact.done": ("store compacted in {seconds} s", "opslag samengeperst in {seconds} s"),
    "demo.failed": ("demo data did not load", "de demogegevens zijn niet geladen"),
    "disk": ("{file}: {reason}. Free space on that disk or make the folder writable, then run the command again.",
             ("{file}: {reason}. Maak ruimte vrij op die schijf of maak de map schrijfbaar en geef de opdracht "
             "daarna opnieuw.")),
    "progress.rows": ("rows", "rijen"),
    "progress.masses": ("masses", "massa's"),
    "progress.geometries": ("geometries", "geometrieën"),
    "progress.passports": ("passports", "paspoorten"),
    "progress.overview pages": ("overview pages", "overzichtspagina's"),
    "compacting.import": ("Compacting the store after a large import (reads are faster after it) ...",
                          "De opslag wordt na een grote import samengeperst (lezen gaat daarna sneller) ..."),
}

LangOption = typer.Option(None, "--lang", help="Language of help, messages, tables and counts: nl or en "
                                              "(default $PASSPORTS_LANG, else en)")


# the global option (``passports --lang nl COMMAND``), set by registry.cli.speech for each run
GLOBAL: dict[str, str | None] = {"lang": None}


def language(lang: str | None) -> str:
    """The language of a command: its ``--lang`` when given, else the global ``--lang``, else
    ``PASSPORTS_LANG``; nl or en."""
    chosen = lang or GLOBAL["lang"] or Settings().lang
    if chosen not in ("nl", "en"):
        raise RegistryError(f"unknown language {chosen!r}; use nl or en",
                            message_nl=f"onbekende taal {chosen!r}; gebruik nl of en")
    return chosen


def cli_language(argv: list[str] | None = None) -> str:
    """The language of the running command, for messages printed outside it (errors)."""
    argv = sys.argv if argv is None else argv
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("nl", "en"):
            return argv[i + 1]
        if arg in ("--lang=nl", "--lang=en"):
            return arg.split("=", 1)[1]
    lang = GLOBAL["lang"] or Settings().lang
    return lang if lang in ("nl", "en") else "en"


WORDS = Wording(TEXTS)
say = WORDS.say
both = WORDS.both


def export_summary(summary, output, fmt: str, lang: str = "en") -> str:
    """What ``passports export`` wrote, and what it left out and how to include it."""
    where = str(output) if output is not None else ("standaarduitvoer" if lang == "nl" else "standard output")
    current = counted(summary.current, "passport", lang)
    if lang == "nl":
        text = (f"geschreven naar {where}: {current} (huidige versies), {summary.retired} ingetrokken, "
                f"{summary.graphs} grafen van de actuele opslag (ook herkomst, referentiegegevens, waarderingen)")
        if summary.versions is not None:
            return text + f", en {counted(summary.versions, 'version', lang)} uit de geschiedenis (ook de " \
                          "laatste inhoud van ingetrokken paspoorten)"
        if fmt == "ttl":
            return text + "; Turtle heeft geen grafen en dus geen oude versies: gebruik --format nq of trig"
        return text + "; zonder oude versies en zonder de inhoud van ingetrokken paspoorten (--history)"
    text = (f"wrote {where}: {current} (current versions), {summary.retired} retired, {summary.graphs} graphs "
            "of the live store (also provenance, reference data, valuations)")
    if summary.versions is not None:
        return text + f", and {counted(summary.versions, 'version', lang)} from the history (also the last " \
                      "content of retired passports)"
    if fmt == "ttl":
        return text + "; Turtle has no graphs and so no past versions: use --format nq or trig"
    return text + "; without past versions and retired passports' content (--history includes them)"
