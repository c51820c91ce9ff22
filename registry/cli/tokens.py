"""``passports token create|list|revoke``: write tokens of municipalities for the write API."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from registry.cli.common import fail
from registry.cli.texts import LangOption, language, say
from registry.core.phrases import timestamp
from registry.core.settings import Settings
from registry.store.tokens import TokenError, TokenStore

cli = typer.Typer(help="Write tokens for the API, one or more per municipality", no_args_is_help=True)
err = Console(stderr=True)

DataOption = typer.Option(None, "--data", envvar="PASSPORTS_DATA",
                          help="data directory of the registry (default ./data)")


def _store(data: Path | None) -> TokenStore:
    settings = Settings(data_dir=data) if data else Settings()
    return TokenStore(settings.tokens_path)


def _fail(exc: Exception) -> None:
    fail(exc)


@cli.command()
def create(municipality: str = typer.Option(..., "--municipality", "-m",
                                            help="CBS code of the municipality, e.g. GM0153"),
           label: str = typer.Option("", "--label", "-l",
                                     help="what the token is for, e.g. 'GBI export Enschede'"),
           data: Path | None = DataOption, lang: str = LangOption) -> None:
    """Make a token; it is printed once (stdout) and only its hash is kept."""
    store = _store(data)
    try:
        record, token = store.create(municipality, label)
    except TokenError as exc:
        _fail(exc)
    err.print(say("token.made", language(lang), id=record.id, municipality=record.municipality), highlight=False)
    print(token)


@cli.command("list")
def list_tokens(data: Path | None = DataOption,
                as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
                lang: str = LangOption) -> None:
    """Show every token's id, municipality, label, and when it was made or revoked."""
    lang = language(lang)
    try:
        records = _store(data).list()
    except TokenError as exc:
        _fail(exc)
    if as_json:
        print(json.dumps([r.public() for r in records], indent=2))
        return
    if not records:
        err.print(say("token.none", lang))
        return
    table = Table(*(say(f"token.{key}", lang) for key in ("id", "municipality", "label", "created", "revoked")))
    for r in records:
        table.add_row(r.id, r.municipality, r.label, timestamp(r.created), timestamp(r.revoked))
    Console().print(table)


@cli.command()
def revoke(token_id: str = typer.Argument(..., metavar="ID", help="the token's id from `token list`"),
           data: Path | None = DataOption, lang: str = LangOption) -> None:
    """Revoke a token: the next request that uses it gets 401."""
    try:
        record = _store(data).revoke(token_id)
    except TokenError as exc:
        _fail(exc)
    err.print(say("token.gone", language(lang), id=record.id, municipality=record.municipality,
                  at=timestamp(record.revoked)), highlight=False)
