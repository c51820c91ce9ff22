"""``passports harvest URL``: take in another registry's change feed (``importers.harvest``,
docs/feed.md), from where the last run stopped; a page that cannot be taken in stops the run with
exit code 2 and nothing of that page stored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from importers.harvest import HarvestError, harvest
from registry.cli.common import (
    BaseOption,
    DataOption,
    err,
    fail,
    finish,
    opened,
    print_verdicts,
    settings_from,
)
from registry.cli.texts import LangOption, language
from registry.core.phrases import Wording, counted

WORDS = Wording({
    "page": ("{url}: {members}", "{url}: {members}"),
    "dump": ("{count} passports taken in from the dumps", "{count} paspoorten overgenomen uit de dumps"),
    "summary": (("{pages} read, {members}; {created} new, {updated} updated, {unchanged} unchanged, "
                 "{retired} retired, {rejected} refused"),
                ("{pages} gelezen, {members}; {created} nieuw, {updated} bijgewerkt, {unchanged} ongewijzigd, "
                "{retired} ingetrokken, {rejected} geweigerd")),
})


def harvest_command(
    url: Annotated[str, typer.Argument(help="The root of the peer's feed, e.g. https://peer.example/feed/passports")],
    from_dump: Annotated[bool, typer.Option("--from-dump", help=(
        "Start a new harvest from the peer's dumps (checked against their manifest), then follow the "
        "feed from the dumps' position"))] = False,
    manifest: Annotated[str, typer.Option("--manifest", help=(
        "With --from-dump: the dumps' manifest.json when not at {peer}/dumps/manifest.json"))] = "",
    data: Path = DataOption, base: str = BaseOption, lang: str = LangOption,
) -> None:
    """Take in another registry's change feed (versions and retirements), validated as `add`; run
    again to take in what is new (exit 0, 1 when members were refused, 2 on a page that cannot be
    taken in)."""
    lang = language(lang)
    settings = settings_from(data, base)
    with opened(settings) as registry:
        try:
            report = harvest(registry, url, settings, progress=lambda page: err.print(
                WORDS.say("page", lang, url=page.url, members=counted(len(page.members), "member", lang)), highlight=False),
                from_dump=from_dump, manifest=manifest)
        except HarvestError as exc:
            fail(exc, lang=lang)
    added = report.added
    if from_dump:
        err.print(WORDS.say("dump", lang, count=report.from_dump), highlight=False)
    print_verdicts(added.rejected, lang)
    err.print(WORDS.say("summary", lang, pages=counted(report.pages, "page", lang),
                        members=counted(report.members, "member", lang),
                        created=len(added.created), updated=len(added.updated), unchanged=len(added.unchanged),
                        retired=len(report.retired), rejected=len(added.rejected)), highlight=False)
    finish(not added.rejected)


def register(app: typer.Typer) -> None:
    app.command("harvest")(harvest_command)
