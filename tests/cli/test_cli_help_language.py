"""Help pages and usage errors in the chosen language: ``passports --lang nl ... --help`` shows the
Dutch help of every command and option and Typer's headings in Dutch, usage errors are Dutch and
name what was wrong (exit 2), ``--lang en`` stays English, ``PASSPORTS_LANG=nl`` gives the same as
``--lang nl``. The real app runs in this process through :func:`registry.cli.speech.run` (what
``passports`` runs), and as a subprocess where the environment is the point."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic_core
import pytest
import typer
from conftest import run_cli

from registry.cli.click_dutch import ERRORS, HELP_OPTION, RICH_TEXTS, USAGE, USAGE_METAVARS
from registry.cli.help_dutch import HELP
from registry.cli.main import app
from registry.cli.speech import folded, run, speak
from registry.cli.texts import GLOBAL

ENGLISH_BOILERPLATE = ("Usage:", "[OPTIONS]", "COMMAND", "[ARGS]", "Options", "Commands", "Arguments", "Show this message", "[default:",
                       "[required]", "Try '", "Error", "Missing", "No such", "Invalid value", "Did you mean",
                       "Input should", "Got unexpected", "requires an argument")


def tree(command, path=()):
    """(path, command) of every command and group, the root first."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from tree(sub, (*path, name))


COMMANDS = [path for path, _ in tree(typer.main.get_command(app))]


@pytest.fixture(autouse=True)
def english_afterwards():
    """Typer's panel texts and the global --lang are process-wide: back to English after each test."""
    yield
    speak("en")
    GLOBAL["lang"] = None


def invoke(capsys, monkeypatch, *args: str, env_lang: str = "") -> tuple[int, str]:
    """Run ``passports ARGS`` in this process: (exit code, stdout and stderr, whitespace and the
    panels' box lines folded away)."""
    monkeypatch.setenv("PASSPORTS_LANG", env_lang)
    with pytest.raises(SystemExit) as done:
        run(app, list(args))
    said = capsys.readouterr()
    return done.value.code, folded(re.sub(r"[│╭╮╰╯─]", " ", said.out + said.err))


def test_every_help_text_has_dutch_and_every_dutch_text_is_used():
    """Fails when a command or option is added (or its English changed) without Dutch help."""
    used, missing = set(), []
    for path, command in tree(typer.main.get_command(app)):
        assert command.help, f"passports {' '.join(path)} has no help"
        for item in (command, *command.params):
            text = getattr(item, "help", None)
            if text:
                used.add(folded(text))
                if folded(text) not in HELP:
                    missing.append(f"passports {' '.join(path)} {getattr(item, 'opts', [''])[0]}: {folded(text)}")
    assert not missing, "no Dutch help in registry/cli/help_dutch.py for:\n" + "\n".join(missing)
    assert not set(HELP) - used, f"Dutch help that no command uses any more: {set(HELP) - used}"
    assert all(dutch and dutch != english for english, dutch in HELP.items())


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "passports")
def test_dutch_help_of_every_command(path, capsys, monkeypatch):
    code, said = invoke(capsys, monkeypatch, "--lang", "nl", *path, "--help")
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert code == 0, said
    assert said.startswith("Gebruik: "), said
    assert folded(HELP[folded(command.help)]) in said
    assert "Toon deze hulp en stop." in said
    assert "Opties" in said
    assert folded(command.help) not in said
    assert not [word for word in ENGLISH_BOILERPLATE if word in said], said
    for param in command.params:
        if getattr(param, "help", None):
            assert folded(param.help) not in said, param.help  # no English option help left


def test_dutch_help_shows_dutch_headings_defaults_and_required(capsys, monkeypatch):
    _, said = invoke(capsys, monkeypatch, "--lang", "nl", "add", "--help")
    assert "Argumenten" in said and "[verplicht]" in said
    _, said = invoke(capsys, monkeypatch, "--lang", "nl", "demo", "--help")
    assert "[standaard: 500]" in said and "Hoeveel paspoorten" in said
    _, said = invoke(capsys, monkeypatch, "--lang", "nl", "--help")
    assert "Opdrachten" in said and "Register van materialenpaspoorten" in said
    assert "Gebruik: " in said and "[OPTIES] OPDRACHT [ARGUMENTEN]..." in said


@pytest.mark.parametrize("path", [(), ("add",), ("token", "create"), ("site", "build")],
                         ids=lambda p: " ".join(p) or "passports")
def test_english_help_stays_english(path, capsys, monkeypatch):
    code, said = invoke(capsys, monkeypatch, "--lang", "en", *path, "--help")
    assert code == 0
    assert said.startswith("Usage: ")
    assert "Show this message and exit." in said and "Options" in said
    assert "Gebruik" not in said and "Opties" not in said and "Toon deze hulp" not in said


# arguments, Dutch phrases that must be said (naming what was wrong)
USAGE_ERRORS = [
    (["add"], ["Ontbrekend argument 'files'."]),
    (["token", "create"], ["Ontbrekende optie '--municipality' / '-m'."]),
    (["add", "x.ttl", "--municipalty", "GM0153"], ["Optie --municipalty bestaat niet",
                                                   "mogelijke opties: --municipality"]),
    (["nope"], ["Opdracht 'nope' bestaat niet."]),
    (["ontology", "chek"], ["Opdracht 'chek' bestaat niet. Bedoelt u 'check'?"]),
    (["demo", "--size", "veel"], ["Ongeldige waarde voor '--size': Verwacht een geheel getal"]),
    (["--lang", "fr", "init"], ["Ongeldige waarde voor '--lang': 'fr' is niet een van 'nl', 'en'."]),
    (["show", "x", "--data"], ["Optie '--data' heeft een waarde nodig."]),
    (["site", "build", "a", "b"], ["Onverwachte extra argumenten (b)"]),
    (["serve", "--port", "99999999"], ["Ongeldige waarde voor '--port': Verwacht een waarde van hoogstens 65535"]),
]


@pytest.mark.parametrize("case", USAGE_ERRORS, ids=lambda c: " ".join(c[0]))
def test_usage_errors_in_dutch(case, capsys, monkeypatch):
    args, phrases = case
    # --lang fr is no language, so the environment's Dutch speaks
    code, said = invoke(capsys, monkeypatch, *([] if args[0] == "--lang" else ["--lang", "nl"]), *args,
                        env_lang="nl")
    assert code == 2, said
    for phrase in phrases:
        assert phrase in said, said
    assert "Fout" in said
    assert not [word for word in ENGLISH_BOILERPLATE if word in said], said


def test_usage_errors_in_english(capsys, monkeypatch):
    code, said = invoke(capsys, monkeypatch, "--lang", "en", "add", "x.ttl", "--municipalty", "GM0153")
    assert code == 2
    assert "Usage: " in said and "Try '" in said and "No such option: --municipalty" in said


def test_the_usage_line_and_help_hint_of_an_error_in_dutch(capsys, monkeypatch):
    _, said = invoke(capsys, monkeypatch, "--lang", "nl", "add")
    assert "Gebruik: " in said and "--help' voor hulp." in said and "Probeer '" in said


@pytest.mark.parametrize("args", [["add", "--help"], ["import", "--help"], ["add"], ["ontology", "chek"]],
                         ids=" ".join)
def test_the_environment_speaks_as_lang_does(args):
    """As a subprocess: ``PASSPORTS_LANG=nl passports ARGS`` says what ``passports --lang nl ARGS``
    says, the per-command ``--lang nl`` too."""
    by_option = run_cli("--lang", "nl", *args, env={"PASSPORTS_LANG": ""})
    by_env = run_cli(*args, env={"PASSPORTS_LANG": "nl"})
    by_command_option = run_cli(*args[:1], "--lang", "nl", *args[1:], env={"PASSPORTS_LANG": ""})
    assert "Gebruik:" in by_option.stdout + by_option.stderr
    assert (by_env.returncode, by_env.stdout, by_env.stderr) == (by_option.returncode, by_option.stdout,
                                                                   by_option.stderr)
    if args[0] != "ontology":  # ontology has no --lang of its own, its check has
        assert by_command_option.returncode == by_option.returncode
        assert "Gebruik:" in by_command_option.stdout + by_command_option.stderr


def test_every_english_text_of_the_catalogue_is_still_in_typer():
    """A Typer upgrade that rewords a text makes this fail (instead of printing English): the help
    texts occur as they are; the error patterns are often put together from pieces ("Missing " +
    "argument"), so each of their words occurs in Typer, or in pydantic (which words the value
    errors); the usage-error tests above check whole messages."""
    package = Path(typer.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    for english, _dutch in (*RICH_TEXTS.values(), *USAGE_METAVARS.values(), USAGE, HELP_OPTION):
        assert english in source, english
    pydantic = b"".join(p.read_bytes() for p in Path(pydantic_core.__file__).parent.glob("*.so"))
    for english, _dutch in ERRORS:
        words = set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", " ", english)))
        found = pydantic if english.startswith(("Input should", "Value error")) else source.encode()
        assert not [w for w in words if w.encode() not in found], english
