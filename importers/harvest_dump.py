"""``passports harvest URL --from-dump``: a new replica starts from the peer's dumps, then follows
the feed from the position the dumps hold (docs/feed.md, "Starting from a dump").

The peer's ``dumps/manifest.json`` (or ``--manifest URL``, e.g. a static site's) lists
``registry.nq.gz`` and ``history.nq.gz`` with their size and SHA-256, and ``feed``: the position
of the change feed when the dumps were made (stream, epoch, sequence number, the page and how many
of its members the dumps hold). Before anything is stored:

- the position must be of this feed (its stream), of its current epoch (the root's
  ``owl:versionInfo``: a rebuilt feed voids the position), and within it (the page exists and has
  that many members);
- each file is streamed into a temporary file in ``DATA/harvest/dump-*/`` within
  ``PASSPORTS_HARVEST_MAX_DUMP_BYTES`` (the declared size is checked before, and the count while
  it arrives: a peer sending more is cut off at once), then of that size and SHA-256 (computed on
  the way);
- each is read as a stream (``harvest_dump_load``: what this process holds does not grow with the
  dump), and every current passport is validated as ``add`` validates (integrity rules and SHACL),
  in batches. The dump is taken in whole or not at all: one refused passport refuses the dump (a
  part of a snapshot would not match the feed that follows it).

Then the passports' graphs (current, and every superseded version into the history store) are
bulk-loaded from the temporary files as the peer stored them, with the peer's provenance records of them moved into this
registry's provenance graph: the same versions, numbers, times and activities as at the peer (what
a full harvest reproduces version by version). A journal (``DATA/journal``, as for a bulk ``add``)
lets the next opening remove a half-loaded dump. The sidecar indexes are rebuilt, the position is
recorded, and the harvest follows the feed from that page on, skipping what the dump held already.
The temporary files go in every outcome; those of a killed run at the next run (``remove_leftovers``).

The superseded versions (history dump) are not validated: only the current passports are. A full
harvest of the feed validates each version as it takes it in; from a dump an old version is kept
as the peer recorded it (it may predate the shapes of today, and it is history, never served as
current).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

import httpx

from importers.harvest_dump_load import DumpIntake
from importers.harvest_dump_words import DumpError
from importers.harvest_pages import HarvestError, fetch, read_page, stream_root
from registry.core.settings import Settings
from registry.store.registry import Registry

FEED_PATH = "feed/passports"
LEFTOVER = "dump-"  # DATA/harvest/dump-*: the temporary files of one start
POSITION_KEYS = {"stream": str, "epoch": str, "sequence": int, "page": str, "members": int}


def start_from_dump(registry: Registry, http: httpx.Client, root: str, settings: Settings, state,
                    manifest_url: str = "") -> int:
    """Take in the peer's dumps and record their position in ``state``; the number of passports."""
    if state.page:
        raise DumpError(root, "started", page=state.page)
    if not manifest_url and not root.endswith(FEED_PATH):
        raise DumpError(root, "not_root")
    manifest_url = manifest_url or root.removesuffix(FEED_PATH) + "dumps/manifest.json"
    position, files = _manifest(manifest_url, *fetch(http, manifest_url, settings))
    stream, _, epoch = stream_root(http, root, settings)
    if position["stream"] != stream or not position["page"].startswith(stream + "/"):
        raise DumpError(manifest_url, "other_feed", found=position["stream"], expected=stream)
    if epoch != position["epoch"]:
        raise DumpError(root, "epoch", found=epoch or "-", expected=position["epoch"])
    try:
        page = read_page(http, position["page"], settings, None, stream)
    except HarvestError as exc:
        if exc.key == "status" and exc.values.get("status") == 404:
            raise DumpError(position["page"], "beyond", **position) from None
        raise
    if len(page.members) < position["members"]:
        raise DumpError(position["page"], "beyond", **position)
    remove_leftovers(settings.data_dir)
    folder = settings.data_dir / "harvest" / f"{LEFTOVER}{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    try:
        intake = DumpIntake(registry, folder, stream.removesuffix(FEED_PATH), manifest_url)
        try:
            for kind in ("registry", "history"):  # the passports first: the history's versions are of them
                url = str(httpx.URL(manifest_url).join("../" + files[kind]["path"]))  # paths from the site's root
                if not url.startswith(str(httpx.URL(manifest_url).join("../"))):  # not a file of another site
                    raise DumpError(manifest_url, "manifest", detail=f"{files[kind]['path']} is not a path in this site")
                target = folder / f"{kind}.nq.gz"
                _download(http, url, target, files[kind], settings)
                intake.read(target, url, kind)
                target.unlink()
            count = intake.finish()
            intake.load()
            first = intake.first()
        finally:
            intake.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    # the position first, then the journal goes: a kill between the two leaves the journal, the next
    # opening removes the load, and the harvest sees ``dump_check`` gone and starts again
    state.stream, state.page, state.members, state.last = stream, position["page"], position["members"], ""
    state.dump_check = first
    state.save()
    registry._journal.unlink(missing_ok=True)
    for index in registry.sidecars():
        index.rebuild(registry.store)
    return count


def remove_leftovers(data_dir: Path) -> None:
    """The temporary files of a ``--from-dump`` start that was killed (``DATA/harvest/dump-*``):
    only one process writes to a data directory (the store's lock), so none is in use."""
    for folder in (data_dir / "harvest").glob(LEFTOVER + "*"):
        shutil.rmtree(folder, ignore_errors=True)


def _manifest(url: str, body: bytes, _media_type: str) -> tuple[dict, dict[str, dict]]:
    try:
        manifest = json.loads(body)
        entries = {f["kind"]: f for f in manifest["files"] if f.get("kind") in ("registry", "history")}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DumpError(url, "manifest", detail=str(exc) or type(exc).__name__) from None
    position = manifest.get("feed") if isinstance(manifest, dict) else None
    if not isinstance(position, dict) or any(not isinstance(position.get(k), t) for k, t in POSITION_KEYS.items()):
        raise DumpError(url, "no_position")
    for kind in ("registry", "history"):
        entry = entries.get(kind)
        if entry is None or not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
            raise DumpError(url, "no_file", kind=kind)
    return position, entries


def _download(http: httpx.Client, url: str, target: Path, entry: dict, settings: Settings) -> None:
    """``url`` into ``target``: at most the declared size, then that size and SHA-256."""
    size, limit = entry["size"], settings.harvest_max_dump_bytes
    if size > limit:
        raise DumpError(url, "too_big", size=size, limit=limit)
    digest, count = hashlib.sha256(), 0
    try:
        with http.stream("GET", url) as answer, open(target, "wb") as out:
            if answer.status_code != 200:
                raise HarvestError(url, "status", status=answer.status_code)
            for chunk in answer.iter_bytes():
                count += len(chunk)
                if count > size:
                    raise DumpError(url, "larger", size=size)
                digest.update(chunk)
                out.write(chunk)
    except httpx.TimeoutException:
        raise HarvestError(url, "timeout", seconds=settings.harvest_timeout) from None
    except httpx.HTTPError as exc:
        raise HarvestError(url, "transport", detail=str(exc) or type(exc).__name__) from None
    if count != size:
        raise DumpError(url, "size", found=count, size=size)
    if digest.hexdigest() != entry["sha256"].lower():
        raise DumpError(url, "checksum", found=digest.hexdigest(), expected=entry["sha256"])


__all__ = ["DumpError", "remove_leftovers", "start_from_dump"]
