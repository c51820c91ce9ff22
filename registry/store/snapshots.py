"""Read-only handles that the writer's compactions cannot pull files from under.

pyoxigraph opens a store read-only with a bounded table cache, so RocksDB opens only 16 of its
table files at the opening and each other one when it is first read. The writer (the server
process, ``passports add``) compacts in the background and deletes the files it merged. A reader
that then reads such a file for the first time gets "No such file or directory"; inside a query
with a hash join, pyoxigraph's iterator repeats that error for ever while the join collects it:
a page worker grew to 1.6 GB in ten seconds on a store of 200 passports (``bench/soak.py``,
docs/benchmarks.md "Soak").

So a reader opens a snapshot instead (:func:`open_read_only`): a folder ``DATA/readers/NAME-PID-N``
of hard links to the store's table files (no space: a link keeps a file the writer deletes on
disk as long as the snapshot is there), with copies of its small files (``CURRENT``, the
``MANIFEST`` RocksDB's list of live files, ``OPTIONS``). The files are taken while the MANIFEST
stays the same: RocksDB appends to it at every flush and compaction before it deletes a file, so
an unchanged MANIFEST means every file it lists was there to be linked; otherwise the snapshot is
taken again.

The write-ahead logs (the writes not flushed into table files yet, replayed into memory at the
opening) are linked too, not copied: copying them at every reopening wrote 190-256 MB of copies
for a 39 MB store in the 30-minute soak. A linked log is the writer's live file, so the reader
may also replay writes appended after the link (whole write batches: a torn last record ends the
replay, RocksDB's point-in-time recovery); the writer recycles an obsolete log by overwriting it
in place (``recycle_log_file_num``), but only after the flush that made it obsolete was appended
to the MANIFEST. So the MANIFEST is checked again once the reader has replayed the logs: unchanged,
no linked log can have been recycled meanwhile; changed, the snapshot is taken again with copies
of the logs, as before.

A snapshot is removed once its handle is no longer used by anyone in this process (checked at
the process's next opening, and at exit), and the snapshots of processes that have ended are
removed by the next opening in any process.
"""

from __future__ import annotations

import atexit
import errno
import itertools
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

READERS = "readers"  # DATA/readers: the snapshots of the reading processes
ATTEMPTS = 20
GRACE = 2.0  # seconds a snapshot stays after its handle was let go (a result still being read)
_SMALL = ("CURRENT", "IDENTITY")
# no snapshot possible (read-only data folder, no permission, folders on other file systems)
UNLINKABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.EXDEV, errno.ENOSPC, errno.EMLINK,
              errno.EOVERFLOW}  # EOVERFLOW: a process in a user namespace of its own (query workers)

_numbers = itertools.count()
_lock = threading.Lock()
_open: list[list] = []  # [store, folder, time its handle was first found let go, or None]


def open_read_only(path: Path | str) -> ox.Store:
    """A read-only handle of the store at ``path`` on a snapshot of its files (see above)."""
    path = Path(path)
    if not (path / "CURRENT").exists():  # no store there: pyoxigraph's own error
        return ox.Store.read_only(str(path))
    root = path.parent / READERS
    sweep(root)
    folder = root / f"{path.name}-{os.getpid()}-{next(_numbers)}"
    try:
        store = _opened(path, folder, link_logs=True) or _opened(path, folder, link_logs=False)
    except OSError as exc:
        if exc.errno not in UNLINKABLE:
            raise
        return ox.Store.read_only(str(path))  # a data folder this process may only read: as before
    with _lock:
        _open.append([store, folder, None])
    return store


def _opened(path: Path, folder: Path, *, link_logs: bool) -> ox.Store | None:
    """The store opened on a snapshot taken into ``folder``; None when its logs were linked and
    the writer flushed meanwhile (a linked log may have been recycled while it was replayed)."""
    manifest = take(path, folder, link_logs=link_logs)
    try:
        store = ox.Store.read_only(str(folder))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if link_logs and _manifest(path) != manifest:
        del store
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return store


def take(source: Path, folder: Path, *, link_logs: bool = True) -> tuple[str, int]:
    """Link and copy the files of the store at ``source`` into ``folder`` (made anew); the name
    and size of the MANIFEST they were taken with."""
    try:
        for attempt in range(ATTEMPTS):
            before = _manifest(source)
            _fill(source, folder, link_logs)
            if before is not None and _manifest(source) == before and (folder / before[0]).exists():
                return before
            time.sleep(0.002 * (attempt + 1))
        raise OSError(errno.EBUSY, f"the store at {source} kept changing while a reader took its files")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _fill(source: Path, folder: Path, link_logs: bool) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    logs = []
    for entry in os.scandir(source):
        name = entry.name
        try:
            if name.endswith(".sst") or (link_logs and name.endswith(".log") and name[:-4].isdigit()):
                os.link(entry.path, folder / name)
            elif name.endswith(".log") and name[:-4].isdigit():
                logs.append(name)
            elif name in _SMALL or name.startswith(("MANIFEST-", "OPTIONS-")):
                shutil.copyfile(entry.path, folder / name)
        except FileNotFoundError:
            pass  # deleted meanwhile: then the MANIFEST changed too (checked by ``take``)
    for name in sorted(logs):  # oldest first: an older log is complete once a newer one exists
        try:
            shutil.copyfile(source / name, folder / name)
        except FileNotFoundError:
            pass


def _manifest(source: Path) -> tuple[str, int] | None:
    """The name and size of the store's current MANIFEST (None while it is being replaced)."""
    try:
        name = (source / "CURRENT").read_text().strip()
        return name, (source / name).stat().st_size
    except (FileNotFoundError, ValueError):
        return None


def sweep(root: Path | None = None) -> None:
    """Remove this process's snapshots whose handles nobody uses any more (and, with ``root``,
    the snapshots there of processes that have ended)."""
    now, gone = time.monotonic(), []
    with _lock:
        for entry in list(_open):
            if sys.getrefcount(entry[0]) > 2:  # this list and the argument: anyone else holds it
                entry[2] = None
            elif entry[2] is None:
                entry[2] = now
            elif now - entry[2] >= GRACE:
                _open.remove(entry)
                entry[0] = None  # the handle closes here
                gone.append(entry[1])
    for folder in gone:
        shutil.rmtree(folder, ignore_errors=True)
    if root is not None:
        _sweep_ended(root)


def let_go(store: ox.Store) -> None:
    """The caller is done with ``store`` (a handle of :func:`open_read_only`) and drops it next: the
    next :func:`sweep` removes its snapshot at once if nobody else holds it, without the grace period
    (a snapshot keeps every file the writer has merged since on disk)."""
    with _lock:
        for entry in _open:
            if entry[0] is store:
                entry[2] = time.monotonic() - GRACE


def _sweep_ended(root: Path) -> None:
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            pid = int(entry.name.rsplit("-", 2)[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@atexit.register
def _at_exit() -> None:
    with _lock:
        folders = [entry[1] for entry in _open]
        _open.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["let_go", "open_read_only", "sweep", "take"]
