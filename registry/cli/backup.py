"""``passports backup DIR`` (also while the server runs) and ``passports restore DIR --data NEW``
(:mod:`registry.store.backup`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli.common import DataOption, err, fail, opened, out, settings_from
from registry.cli.texts import LangOption, language
from registry.core.phrases import Wording, counted
from registry.store.backup import STORES, BackupError, backup, restore

WORDS = Wording({
    "main": ("main", "hoofdopslag"),
    "history": ("history", "geschiedenis"),
    "checkpoint": ("checkpoint: the store was not in use", "checkpoint: de opslag was niet in gebruik"),
    "snapshot": ("snapshot of the running server's store", "momentopname van de opslag van de draaiende server"),
    "busy": ("backing up {store} ...", "reservekopie van {store} ..."),
    "made": (("backup in {path} ({method}): {main} in the main store, {history} in the history, "
             "generation {generation}"),
             ("reservekopie in {path} ({method}): {main} in de hoofdopslag, {history} in de geschiedenis, "
             "generatie {generation}")),
    "restored": (("restored {source} (made {made}) into {data}: {passports}; search index and monitor "
                 "figures rebuilt"),
                 ("{source} (gemaakt {made}) teruggezet in {data}: {passports}; zoekindex en "
                 "monitorcijfers opnieuw opgebouwd")),
})


def backup_command(
    target: Annotated[Path, typer.Argument(help="New folder for the backup (must not exist)")],
    data: Path = DataOption, lang: str = LangOption,
) -> None:
    """Back up the registry's data (also while `passports serve` runs) into a new folder, with a
    manifest of SHA-256 sums written last."""
    lang = language(lang)
    settings = settings_from(data, None)
    try:
        with err.status(WORDS.say("busy", lang, store=WORDS.say("main", lang))) as status:
            result = backup(settings, target, progress=lambda store: status.update(
                WORDS.say("busy", lang, store=WORDS.say(store, lang) if store in STORES else store)))
    except BackupError as exc:
        fail(exc)
    m = result.manifest
    out.print(WORDS.say("made", lang, path=result.path, method=WORDS.say(m["method"], lang),
                        main=counted(m["quads"]["main"], "quad", lang),
                        history=counted(m["quads"]["history"], "quad", lang), generation=m["generation"]),
              highlight=False)


def restore_command(
    source: Annotated[Path, typer.Argument(help="A folder made by `passports backup`")],
    data: Path = DataOption,
    force: Annotated[bool, typer.Option("--force", help="Replace what the data directory holds")] = False,
    lang: str = LangOption,
) -> None:
    """Restore a backup into a new or empty data directory, after checking every file against the
    backup's manifest."""
    lang = language(lang)
    target = settings_from(data, None).data_dir if data is None else data
    try:
        manifest = restore(source, target, force=force)
    except BackupError as exc:
        fail(exc)
    with opened(settings_from(target, None)) as registry:  # undoes a caught half batch, rebuilds indexes
        passports = registry.count_passports()
    out.print(WORDS.say("restored", lang, source=source, made=manifest["made"], data=target,
                        passports=counted(passports, "passport", lang)), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
