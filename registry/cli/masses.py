"""``passports masses refresh``: derive the mass of every stored quantity again (docs/model.md, "Mass");
``passports geometries refresh``: derive the CRS84 copy of every stored geometry again (docs/model.md,
"Location").

Opening a store for writing does this by itself when the reference values changed (or the store was
made before masses or the CRS84 copies existed); the commands do it on demand, with a progress bar,
e.g. after a change to the derivation was deployed without a change to ``ontology/``.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from registry.cli.common import BaseOption, DataOption, err, opened, out, settings_from
from registry.cli.texts import LangOption, language, say
from registry.core.phrases import Wording, number
from registry.store import geometries, masses

WORDS = Wording({"changed": ("{changed} of {total} graphs changed ({seconds} s)",
                             "{changed} van {total} grafen gewijzigd ({seconds} s)")})

cli = typer.Typer(help="The mass of every material quantity",
                  no_args_is_help=True)
geometries_cli = typer.Typer(help="The CRS84 copy of every geometry",
                             no_args_is_help=True)


def _refresh(data: Path, base: str, lang: str, kind: masses.Derivation) -> None:
    lang = language(lang)
    with opened(settings_from(data, base)) as registry:
        started = time.perf_counter()
        total = masses.count(registry.store, registry.history_store)
        with Progress(TextColumn(f"[bold]{say(f'progress.{kind.name}', lang)}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=False, disable=not err.is_terminal) as bar:
            task = bar.add_task(kind.name, total=total)
            changed = registry.refresh_masses(progress=lambda n: bar.update(task, advance=n), kind=kind)
    out.print(WORDS.say("changed", lang, changed=changed, total=total,
                        seconds=number(time.perf_counter() - started, lang, 1)), highlight=False)


@cli.command()
def refresh(data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Derive the mass of every quantity of every passport (and archived versions without one) again."""
    _refresh(data, base, lang, masses.MASSES)


@geometries_cli.command("refresh")
def refresh_geometries(data: Path = DataOption, base: str = BaseOption, lang: str = LangOption) -> None:
    """Derive the CRS84 copy of every geometry of every passport (and archived versions without one) again."""
    _refresh(data, base, lang, geometries.GEOMETRIES)
