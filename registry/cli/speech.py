"""The command line speaks one language from the first word: its own help and Click's and Typer's.

The language is the global ``--lang`` (``passports --lang nl ...``; a command's own ``--lang``
works too), else ``PASSPORTS_LANG``, else English (:func:`registry.cli.texts.cli_language`); it is
known before anything is parsed, so usage errors and ``--help`` are in it as well.

The Dutch comes from two catalogues: :mod:`registry.cli.help_dutch` (the project's command and
option help, keyed by the English) and :mod:`registry.cli.click_dutch` (Typer's and its Click's
words). Typer 0.2x ships its own copy of Click whose texts are plain strings, not gettext messages
(Click's own gettext hooks are not used by it), so they are translated where they leave:

- help: :func:`command` puts the Dutch help into the Click command tree (``help``, ``short_help``
  of commands and parameters, the ``--help`` option, the usage line's ``[OPTIONS]`` and
  ``COMMAND [ARGS]...``) and gives each command a context whose formatter writes the Dutch usage
  prefix (Click's ``formatter_class`` hook); Typer's rich panels take their headings from settings
  in ``typer.rich_utils``, which :func:`speak` sets. The rich panels are kept, so the help looks
  the same in both languages. Left as they are: the type column (``<str>``, ``<path>``, ``<int>``:
  Python's type names, which Typer computes per parameter).
- errors: :func:`run` runs the command itself (``standalone_mode=False``) and shows a usage error
  with Typer's own error panel after translating its message (:func:`translated`).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Literal

import typer
from typer import (
    _click,  # the Click that Typer runs (its own copy since Typer 0.2x)
    rich_utils,
)

from registry.cli.click_dutch import ERRORS, HELP_OPTION, RICH_TEXTS, USAGE, USAGE_METAVARS, WORDS
from registry.cli.help_dutch import HELP
from registry.cli.texts import GLOBAL, cli_language


def folded(text: str) -> str:
    """A help text as the catalogue keys it: whitespace folded to single spaces."""
    return " ".join(text.split())


def dutch_help(text: str) -> str:
    return HELP.get(folded(text), text)


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    def regex(english: str) -> re.Pattern:
        parts = re.split(r"\{(\w+)\}", english)  # literal, name, literal, name, ...
        return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)),
                          re.DOTALL)
    return [(regex(english), dutch) for english, dutch in ERRORS]


def translated(message: str, lang: str) -> str:
    """A message of Typer or Click in ``lang``: Dutch when a pattern of ``ERRORS`` matches."""
    if lang != "nl":
        return message
    if message in WORDS:
        return WORDS[message]
    for pattern, dutch in _patterns():
        found = pattern.fullmatch(message)
        if found:
            return dutch.format(**{k: translated(v, lang) for k, v in found.groupdict().items()})
    return message


def speak(lang: str) -> None:
    """Make Typer's rich help and error panels use their texts in ``lang`` from now on."""
    for name, (english, dutch) in RICH_TEXTS.items():
        setattr(rich_utils, name, dutch if lang == "nl" else english)


class DutchFormatter(_click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE[1] if prefix is None else prefix)


class DutchContext(_click.Context):
    formatter_class = DutchFormatter


def translate_tree(command: _click.Command, lang: str) -> _click.Command:
    """The command tree with every command's and parameter's help in ``lang``."""
    if lang != "nl":
        return command
    command.context_class = DutchContext
    for attribute, (english, dutch) in USAGE_METAVARS.items():
        if getattr(command, attribute, None) == english:
            setattr(command, attribute, dutch)
    helper = command.get_help_option(command.context_class(command))
    for item in (command, *command.params, *([helper] if helper else [])):
        for attribute in ("help", "short_help"):
            text = getattr(item, attribute, None)
            if text:
                setattr(item, attribute, HELP_OPTION[1] if text == HELP_OPTION[0] else dutch_help(text))
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub, lang)
    return command


def command(app: typer.Typer, lang: str) -> _click.Command:
    """The Click command of ``app`` speaking ``lang``: what :func:`run` runs (and what tests run
    in-process)."""
    speak(lang)
    return translate_tree(typer.main.get_command(app), lang)


def run(app: typer.Typer, args: list[str] | None = None) -> None:
    """Run ``app`` as the ``passports`` command in the language of its arguments or environment,
    and exit with the command's exit code."""
    lang = cli_language(args if args is None else ["", *args])
    try:
        result = command(app, lang).main(args=args, standalone_mode=False)
    except _click.exceptions.ClickException as exc:
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one is the help, already printed
            shown = _click.exceptions.UsageError(translated(exc.format_message(), lang), getattr(exc, "ctx", None))
            shown.exit_code = exc.exit_code
            exc = shown
        rich_utils.rich_format_error(exc)
        sys.exit(exc.exit_code)
    except typer.Abort:
        rich_utils.rich_abort_error()
        sys.exit(1)
    sys.exit(result if type(result) is int else 0)  # an int is the code of a typer.Exit


LanguageOption = typer.Option(None, "--lang", show_default=False,
                              help="Language of every text the command prints (help, messages, tables, "
                                   "counts): nl or en (default $PASSPORTS_LANG, else en)")


def register(app: typer.Typer) -> None:
    """``passports --lang nl COMMAND ...``: the global language option."""

    @app.callback()
    def everything(lang: Literal["nl", "en"] | None = LanguageOption) -> None:
        GLOBAL["lang"] = lang  # Click's texts already follow it: cli_language reads it before parsing
