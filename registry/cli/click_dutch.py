"""Click's and Typer's own words in Dutch: help headings, boilerplate and usage errors.

Typer (0.2x) carries its own copy of Click, whose texts are plain English strings, not gettext
messages; :mod:`registry.cli.speech` translates them where they leave the program:

- ``RICH_TEXTS``: the texts of Typer's rich help and error panels, which Typer keeps as settings
  in ``typer.rich_utils`` (headings, "[default: ...]", "[required]", the "Try ... for help" hint);
- ``USAGE``, ``USAGE_METAVARS`` and ``HELP_OPTION``: the usage line's prefix and placeholders and
  the ``--help`` option's help;
- ``ERRORS``: every usage error, as (English pattern, Dutch pattern). ``{name}`` in a pattern
  stands for any text, which is translated again (the ``{message}`` of "Invalid value for
  {hint}: {message}" is itself a message here) and put into the Dutch. The first pattern that
  matches the whole message wins, so longer ones come first.

A test checks that every English text here still occurs in the installed Typer, so an upgrade
that rewords one fails there instead of quietly printing English.
"""

from __future__ import annotations

RICH_TEXTS: dict[str, tuple[str, str]] = {  # typer.rich_utils setting: (English, Dutch)
    "ARGUMENTS_PANEL_TITLE": ("Arguments", "Argumenten"),
    "OPTIONS_PANEL_TITLE": ("Options", "Opties"),
    "COMMANDS_PANEL_TITLE": ("Commands", "Opdrachten"),
    "ERRORS_PANEL_TITLE": ("Error", "Fout"),
    "DEFAULT_STRING": ("[default: {}]", "[standaard: {}]"),
    "ENVVAR_STRING": ("[env var: {}]", "[omgevingsvariabele: {}]"),
    "REQUIRED_LONG_STRING": ("[required]", "[verplicht]"),
    "DEPRECATED_STRING": ("(deprecated) ", "(verouderd) "),
    "ABORTED_TEXT": ("Aborted.", "Afgebroken."),
    "RICH_HELP": ("Try [blue]'{command_path} {help_option}'[/] for help.",
                  "Probeer [blue]'{command_path} {help_option}'[/] voor hulp."),
}

USAGE = ("Usage: ", "Gebruik: ")
# the usage line's placeholders (Click's ``options_metavar``, Typer's ``subcommand_metavar``)
USAGE_METAVARS = {"options_metavar": ("[OPTIONS]", "[OPTIES]"),
                  "subcommand_metavar": ("COMMAND [ARGS]...", "OPDRACHT [ARGUMENTEN]...")}
HELP_OPTION = ("Show this message and exit.", "Toon deze hulp en stop.")

ERRORS: list[tuple[str, str]] = [
    # options and arguments
    ("Invalid value for {hint}: {message}", "Ongeldige waarde voor {hint}: {message}"),
    ("Invalid value: {message}", "Ongeldige waarde: {message}"),
    ("Missing argument {hint}. {message}", "Ontbrekend argument {hint}. {message}"),
    ("Missing argument {hint}.", "Ontbrekend argument {hint}."),
    ("Missing option {hint}. {message}", "Ontbrekende optie {hint}. {message}"),
    ("Missing option {hint}.", "Ontbrekende optie {hint}."),
    ("Missing parameter: {name}", "Ontbrekende parameter: {name}"),
    ("Choose from:\n\t{choices}", "Kies uit:\n\t{choices}"),
    ("{message} (Possible options: {options})", "{message} (mogelijke opties: {options})"),
    ("No such option: {name}", "Optie {name} bestaat niet"),
    ("Option {name} does not take a value.", "Optie {name} neemt geen waarde."),
    ("Option {name} requires an argument.", "Optie {name} heeft een waarde nodig."),
    ("Option {name} requires {count} arguments.", "Optie {name} heeft {count} waarden nodig."),
    ("Argument {name} takes {count} values.", "Argument {name} neemt {count} waarden."),
    ("Got unexpected extra argument(s) ({arguments})", "Onverwachte extra argumenten ({arguments})"),
    # commands
    ("{message}. Did you mean {suggestions}?", "{message}. Bedoelt u {suggestions}?"),
    ("No such command {name}.", "Opdracht {name} bestaat niet."),
    ("No such command {name}", "Opdracht {name} bestaat niet"),
    ("Missing command.", "De opdracht ontbreekt."),
    # values: Typer's own, and pydantic's (Typer converts numbers and booleans with pydantic)
    ("{value} is not one of {choices}.", "{value} is niet een van {choices}."),
    ("Value {value} is not a valid {kind}.", "Waarde {value} is geen geldige {kind}."),
    ("Value error, {message}", "{message}"),
    ("Value must be an iterable.", "De waarde moet een reeks zijn."),
    ("Input should be a valid integer, unable to parse string as an integer",
     "Verwacht een geheel getal; dit is geen getal"),
    ("Input should be a valid integer, got a number with a fractional part",
     "Verwacht een geheel getal, geen getal met cijfers achter de komma"),
    ("Input should be a valid number, unable to parse string as a number", "Verwacht een getal; dit is geen getal"),
    ("Input should be a valid boolean, unable to interpret input", "Verwacht ja of nee (true/false, 1/0)"),
    ("Input should be greater than or equal to {limit}", "Verwacht een waarde van minstens {limit}"),
    ("Input should be less than or equal to {limit}", "Verwacht een waarde van hoogstens {limit}"),
    ("Input should be greater than {limit}", "Verwacht een waarde groter dan {limit}"),
    ("Input should be less than {limit}", "Verwacht een waarde kleiner dan {limit}"),
    # files and folders
    ("{label} {path} does not exist.", "{label} {path} bestaat niet."),
    ("{label} {path} is a file.", "{label} {path} is een bestand."),
    ("{label} {path} is a directory.", "{label} {path} is een map."),
    ("{label} {path} is not readable.", "{label} {path} is niet leesbaar."),
    ("{label} {path} is not writable.", "{label} {path} is niet schrijfbaar."),
    ("Could not open file {name}: {message}", "Kan bestand {name} niet openen: {message}"),
    ("unknown error", "onbekende fout"),
]

# single words Typer puts into the messages above (a path's kind, a value's type)
WORDS: dict[str, str] = {"File": "Bestand", "Directory": "Map", "Path": "Pad", "integer": "geheel getal",
                         "float": "getal", "int": "geheel getal", "bool": "ja/nee-waarde"}
