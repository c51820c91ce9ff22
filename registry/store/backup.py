"""Backups of a data directory, also while the server runs (``passports backup DIR``), and
restoring one into a new data directory (``passports restore DIR``).

A backup is a folder: ``main/`` and ``history/`` (pyoxigraph stores, usable as they are), the
data directory's small files (``base-iri``, ``tokens.json`` and the journals of an interrupted
batch, which the restored registry undoes at its first opening) and ``manifest.json`` (written
last) with the SHA-256 and size of every file, the store generation and the base IRI.

How the stores are copied:

- No process holds the data directory (no server): both stores are opened for writing (so nobody
  writes meanwhile) and RocksDB's own checkpoint copies them (``Store.backup``: hard links on the
  same file system, a copy elsewhere). Method ``checkpoint``.
- A server holds it: a second process can only open the stores read-only. A read-only opening is
  a consistent point in time, but ``Store.backup`` of a read-only handle leaves out what is still
  only in RocksDB's write-ahead log, so the snapshot is copied quad by quad instead (into a new
  store by RocksDB's bulk loader). The snapshot is taken when no write lands in
  between: the store generation (moved by every committed write) and the journals are read before
  and after opening; if they differ, the snapshot is taken again. The main store is opened before
  the history store, as the writer copies a superseded version to the history *before* it
  replaces it in the main store: the history is never behind the main store. Method ``snapshot``.

The sidecar SQLite files (search index, monitor aggregates) and the page caches are not copied:
they are derived from the store, and the restored registry rebuilds them at its first opening.

The backup is written into ``DIR.partial`` and renamed to ``DIR`` when complete, manifest last: a
backup killed half-way leaves ``DIR.partial`` (removed by the next backup), never a ``DIR`` that
looks complete. ``restore`` checks every file against the manifest before it writes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.core.settings import Settings
from registry.core.workers import GENERATION_FILE, read_generation, vanished, write_lock
from registry.store.remote import uses_server
from registry.store.valuations import JOURNAL as VALUATION_JOURNAL

MANIFEST = "manifest.json"
FORMAT = "passports-backup/1"
STORES = ("main", "history")
SMALL_FILES = ("base-iri", "tokens.json", "journal", VALUATION_JOURNAL)
ATTEMPTS = 50  # snapshots tried while writes keep landing in between

WORDS = Wording({
    "exists": ("{target} already exists: give a new folder for the backup",
               "{target} bestaat al: geef een nieuwe map voor de reservekopie"),
    "no_registry": ("no registry at {data}: nothing to back up",
                    "geen register in {data}: er is niets om een reservekopie van te maken"),
    "on_server": (("the passports of {data} are on a SPARQL server (PASSPORTS_BACKEND=sparql): back them up "
                   "with the server's own tools; `passports backup` copies an embedded registry"),
                  ("de paspoorten van {data} staan op een SPARQL-server (PASSPORTS_BACKEND=sparql): maak er een "
                   "reservekopie van met de eigen middelen van de server; `passports backup` kopieert een "
                   "ingebouwd register")),
    "busy": (("the registry in {data} was written to during each of {n} attempts to take a consistent "
             "snapshot; try again when it is less busy"),
             ("er werd in het register in {data} geschreven tijdens elk van {n} pogingen om een "
             "samenhangende momentopname te maken; probeer het opnieuw als het minder druk is")),
    "no_backup": (("{source} is not a complete backup (no {manifest}); an interrupted backup leaves "
                  "a folder ending in .partial, which cannot be restored"),
                  ("{source} is geen volledige reservekopie (geen {manifest}); een onderbroken "
                  "reservekopie laat een map achter die op .partial eindigt, en die kan niet worden "
                  "teruggezet")),
    "manifest": ("{source}/{manifest} cannot be read ({problem}): not a backup of this registry",
                 "{source}/{manifest} is onleesbaar ({problem}): geen reservekopie van dit register"),
    "tampered": ("the backup {source} is damaged or was changed: {problems}. Nothing was restored",
                 ("de reservekopie {source} is beschadigd of gewijzigd: {problems}. Er is niets "
                 "teruggezet")),
    "changed": ("{file} differs from the manifest", "{file} wijkt af van het manifest"),
    "missing": ("{file} is missing", "{file} ontbreekt"),
    "extra": ("{file} is not in the manifest", "{file} staat niet in het manifest"),
    "not_empty": (("the data directory {data} is not empty: restore into a new or empty one, or give "
                  "--force to replace what it holds"),
                  ("de datamap {data} is niet leeg: zet terug in een nieuwe of lege map, of geef "
                  "--force om te vervangen wat erin staat")),
})


class BackupError(RegistryError):
    """A backup that cannot be made, or a backup that cannot be restored."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


def _error(key: str, **values) -> BackupError:
    en, nl = WORDS.both(key, **values)
    return BackupError(en, message_nl=nl)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


# -- backing up -----------------------------------------------------------------------------------

def _locked(settings: Settings) -> tuple[ox.Store, ox.Store] | None:
    """Both stores opened for writing, or None when another process holds them."""
    try:
        main = ox.Store(str(settings.main_store_path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            return None
        raise
    return main, ox.Store(str(settings.history_store_path))


def _snapshot(settings: Settings, attempts: int) -> tuple[ox.Store, ox.Store | None, dict, bytes | None]:
    """Read-only handles of both stores at one point between writes, with the journals and the
    generation of that point."""
    data = settings.data_dir
    for attempt in range(attempts):
        # the writer's lock (held for a commit and its generation bump): the handles open between
        # two writes; the generation and journals are still compared, for the other writers
        with write_lock(data, wait=5.0):
            before = read_generation(data / GENERATION_FILE), {n: _read(data / n) for n in SMALL_FILES}
            try:
                main = ox.Store.read_only(str(settings.main_store_path))
                history = (ox.Store.read_only(str(settings.history_store_path))
                           if settings.history_store_path.exists() else None)
            except (OSError, RuntimeError) as exc:
                if not vanished(exc):  # else: the writer compacted a file away while it was opened
                    raise
                main = history = None
            after = read_generation(data / GENERATION_FILE), {n: _read(data / n) for n in SMALL_FILES}
        if main is not None and before == after:
            return main, history, after[1], after[0]
        del main, history
        time.sleep(min(0.01 * (attempt + 1), 0.2))
    raise _error("busy", data=data, n=attempts)


def _copy_store(store: ox.Store, target: Path) -> None:
    """The content of a read-only snapshot as a new store at ``target``, quad by quad (blank nodes
    keep their identifiers, which a dump parsed again would not)."""
    copy = ox.Store(str(target))
    copy.bulk_extend(store)
    copy.flush()
    copy.optimize()
    del copy


def _copy_snapshot(settings: Settings, partial: Path, stores: dict[str, int], attempts: int,
                   say: Callable[[str], None]) -> tuple[dict, bytes | None]:
    """Copy a snapshot of both stores into ``partial``; once more from a new snapshot when the
    writer compacted away a file the read-only handles had not opened yet."""
    for attempt in range(1, 4):
        main, history, files, generation = _snapshot(settings, attempts)
        try:
            for name, store in zip(STORES, (main, history)):
                say(name)
                stores[name] = len(store) if store is not None else 0
                _copy_store(store if store is not None else ox.Store(), partial / name)
            return files, generation
        except (OSError, RuntimeError) as exc:
            if not vanished(exc) or attempt == 3:
                raise
            for name in STORES:
                shutil.rmtree(partial / name, ignore_errors=True)
        finally:
            del main, history
    raise AssertionError("unreachable")


def backup(settings: Settings, target: Path, *, attempts: int = ATTEMPTS,
           progress: Callable[[str], None] | None = None) -> BackupResult:
    """Back up ``settings.data_dir`` into the new folder ``target`` (see the module's text)."""
    target = Path(target)
    data = settings.data_dir
    if target.exists():
        raise _error("exists", target=target)
    if uses_server(settings):
        raise _error("on_server", data=data)
    if not settings.main_store_path.exists():
        raise _error("no_registry", data=data)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # what an interrupted backup left
    partial.mkdir(parents=True)
    say = progress or (lambda _step: None)
    stores: dict[str, int] = {}
    held = _locked(settings)
    if held is not None:
        method = "checkpoint"
        generation = read_generation(data / GENERATION_FILE)
        files = {n: _read(data / n) for n in SMALL_FILES}
        for name, store in zip(STORES, held):
            say(name)
            stores[name] = len(store)
            store.backup(str(partial / name))
        del held, store
    else:
        method = "snapshot"
        files, generation = _copy_snapshot(settings, partial, stores, attempts, say)
    for name, content in files.items():
        if content is not None:
            (partial / name).write_bytes(content)
    manifest = {
        "format": FORMAT,
        "made": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "data_dir": str(data.resolve()),
        "base_iri": (files.get("base-iri") or b"").decode().strip() or settings.base_iri,
        "generation": (generation or b"").decode().strip(),
        "method": method,
        "quads": stores,
        "files": _files(partial),
    }
    for path in partial.rglob("*"):  # the content is on the disk before the manifest says so
        if path.is_file():
            with open(path, "rb") as stream:
                os.fsync(stream.fileno())
    manifest_path = partial / MANIFEST
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    with open(manifest_path, "rb") as stream:
        os.fsync(stream.fileno())
    _fsync_dir(partial)
    partial.rename(target)
    _fsync_dir(target.parent)
    return BackupResult(target, manifest)


def _files(folder: Path) -> dict[str, dict]:
    return {p.relative_to(folder).as_posix(): {"sha256": sha256(p), "bytes": p.stat().st_size}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


# -- restoring ------------------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    """The manifest of the backup ``source``, after checking every file against it."""
    source = Path(source)
    path = source / MANIFEST
    if not path.is_file():
        raise _error("no_backup", source=source, manifest=MANIFEST)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        expected = manifest["files"]
        if manifest.get("format") != FORMAT or not isinstance(expected, dict):
            raise ValueError(f"format {manifest.get('format')!r}, not {FORMAT}")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _error("manifest", source=source, manifest=MANIFEST, problem=exc) from None
    found = _files(source)
    problems = []
    for name, facts in expected.items():
        if name not in found:
            problems.append(WORDS.both("missing", file=name))
        elif found[name] != facts:
            problems.append(WORDS.both("changed", file=name))
    problems += [WORDS.both("extra", file=name) for name in found if name not in expected]
    if problems:
        en, nl = (WORDS.say("tampered", lang, source=source, problems="; ".join(p[i] for p in problems[:5]))
                  for i, lang in enumerate(("en", "nl")))
        raise BackupError(en, message_nl=nl)
    return manifest


def restore(source: Path, data: Path, *, force: bool = False) -> dict:
    """Restore the backup ``source`` into the data directory ``data`` (new or empty; with
    ``force`` whatever it holds is replaced). The files are copied into a sibling folder first and
    renamed into place, so a restore that fails half-way leaves ``data`` as it was. Returns the
    manifest. The caller opens the registry once afterwards, which rebuilds the sidecar indexes
    and undoes a batch the backup caught half-way (its journal)."""
    source, data = Path(source), Path(data)
    manifest = read_manifest(source)
    if data.exists() and any(data.iterdir()) and not force:
        raise _error("not_empty", data=data)
    data.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data.name}.restoring.", dir=data.parent))
    try:
        for name in manifest["files"]:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, staging / name)
        for name in STORES:
            (staging / name).mkdir(exist_ok=True)
        if data.exists():
            old = data.with_name(f".{data.name}.replaced.{os.getpid()}")
            data.rename(old)
            staging.rename(data)
            shutil.rmtree(old)
        else:
            staging.rename(data)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
