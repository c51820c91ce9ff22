"""Readers open snapshots of the store's files (``registry.store.snapshots``): the writer's
compactions delete files a read-only handle would otherwise open lazily, and pyoxigraph's joins
then collect the read error for ever (a page worker reached 1.6 GB on 200 passports)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox

from registry.store import snapshots
from registry.store.snapshots import READERS, open_read_only

ROOT = Path(__file__).resolve().parents[2]
P, Q = ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/q")


def _write(store: ox.Store, graphs: range, *, flush: bool = True) -> None:
    for i in graphs:
        g = ox.NamedNode(f"http://example.org/g/{i}")
        store.extend([ox.Quad(ox.NamedNode(f"http://example.org/s/{i}/{j}"), P, ox.Literal(f"v{j}"), g)
                      for j in range(50)] +
                     [ox.Quad(ox.NamedNode(f"http://example.org/s/{i}/{j}"), Q,
                              ox.NamedNode(f"http://example.org/o/{j % 7}"), g) for j in range(50)])
        if flush:
            store.flush()


def _five_graphs_two_unflushed(tmp_path) -> tuple[Path, ox.Store]:
    """A writer's store of five graphs, the last two only in its write-ahead log."""
    path = tmp_path / "main"
    writer = ox.Store(str(path))
    _write(writer, range(3))
    _write(writer, range(3, 5), flush=False)
    return path, writer


JOIN = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/p> ?v . "
        "?s <http://example.org/q> ?o } } GROUP BY ?g")

READER = f"""
import resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
resource.setrlimit(resource.RLIMIT_AS, (1500 * 2**20, resource.RLIM_INFINITY))
from registry.store.snapshots import open_read_only
reader = open_read_only(sys.argv[1])
print("open", flush=True)
sys.stdin.readline()  # the writer compacts meanwhile
rows = list(reader.query({JOIN!r}))
print(len(rows), sorted(int(r["n"].value) for r in rows)[0], flush=True)
"""


def test_a_reader_answers_after_the_writer_deleted_the_files_it_opened_with(tmp_path):
    path = tmp_path / "main"
    writer = ox.Store(str(path))
    _write(writer, range(40))  # 40 flushes: far more table files than a reader opens at first
    time.sleep(2)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "open", reader.stderr.read()
    before = {f.name for f in path.glob("*.sst")}
    _write(writer, range(40, 120), flush=True)
    writer.optimize()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(before - {f.name for f in path.glob("*.sst")}) < len(before) // 2:
        time.sleep(0.2)
    assert len(before - {f.name for f in path.glob("*.sst")}) >= len(before) // 2, "the writer compacted nothing"
    out, err = reader.communicate("\n", timeout=60)
    assert reader.returncode == 0, err[-2000:]
    assert out.split() == ["40", "50"]  # the 40 graphs of its snapshot, 50 joined rows each


def test_a_snapshot_holds_the_writes_not_flushed_yet_and_goes_when_let_go(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshots, "GRACE", 0.0)
    path, writer = _five_graphs_two_unflushed(tmp_path)
    reader = open_read_only(path)
    assert len(list(reader.query(JOIN))) == 5
    folders = list((tmp_path / READERS).iterdir())
    assert len(folders) == 1 and folders[0].name.startswith(f"main-{os.getpid()}-")
    _write(writer, range(5, 6), flush=False)
    assert len(list(reader.query(JOIN))) == 5  # a snapshot: later writes need a new handle
    second = open_read_only(path)
    assert len(list(second.query(JOIN))) == 6
    assert folders[0].exists()  # the first is still held here
    del reader
    snapshots.sweep()
    snapshots.sweep()
    assert not folders[0].exists()
    assert [f.name for f in (tmp_path / READERS).iterdir()] != [folders[0].name]
    del second


def test_the_snapshots_of_an_ended_process_are_removed_by_the_next_opening(tmp_path):
    path = tmp_path / "main"
    _write(ox.Store(str(path)), range(2))
    code = (f"import os, sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from registry.store.snapshots import open_read_only\n"
            f"store = open_read_only({str(path)!r})\n"
            "os._exit(0)")  # killed, in effect: no exit handlers
    subprocess.run([sys.executable, "-c", code], check=True)
    left = [f for f in (tmp_path / READERS).iterdir() if not f.name.startswith(f"main-{os.getpid()}-")]
    assert len(left) == 1
    store = open_read_only(path)
    assert not left[0].exists()
    assert len(list(store.query(JOIN))) == 2


def test_a_data_folder_this_process_may_only_read_is_opened_as_before(tmp_path, monkeypatch):
    """No snapshot can be made (a read-only mount, another user's data folder; as root no folder
    refuses a write, so the refusal of the file system is injected): the store is opened directly."""
    path = tmp_path / "main"
    _write(ox.Store(str(path)), range(2))

    def refused(src, dst):
        raise PermissionError(errno.EROFS, "Read-only file system", str(dst))

    monkeypatch.setattr(snapshots.os, "link", refused)
    store = open_read_only(path)
    assert len(list(store.query(JOIN))) == 2
    assert not any((tmp_path / READERS).iterdir())


def test_the_logs_are_linked_and_copied_when_the_writer_flushed_during_the_opening(tmp_path, monkeypatch):
    """The write-ahead logs are linked, not copied; a flush while a reader replays them (after
    which the writer may recycle a log in place) makes the snapshot be taken again with copies."""
    path, writer = _five_graphs_two_unflushed(tmp_path)
    deadline, before = time.monotonic() + 20, None  # the writer's background work done: the
    while time.monotonic() < deadline and before != snapshots._manifest(path):  # MANIFEST stays
        before = snapshots._manifest(path)
        time.sleep(0.5)
    first = open_read_only(path)
    assert len(list(first.query(JOIN))) == 5
    (folder,) = (tmp_path / READERS).iterdir()
    logs = list(folder.glob("*.log"))
    # a link: two names for one file (the writer may rename a log it recycles, never copy it)
    assert logs and any(f.stat().st_nlink >= 2 for f in logs), [(f.name, f.stat().st_nlink) for f in logs]

    opened = []

    def racing(where):
        opened.append(where)
        if len(opened) == 1:
            _write(writer, range(5, 7))  # flushed: the MANIFEST changes while the reader opens
        return ox.Store.read_only(where)

    monkeypatch.setattr(snapshots, "ox", SimpleNamespace(Store=SimpleNamespace(read_only=racing)))
    second = open_read_only(path)
    assert len(opened) == 2 and opened[0] == opened[1]
    assert len(list(second.query(JOIN))) == 7
    copies = list(Path(opened[1]).glob("*.log"))
    assert copies and all(f.stat().st_nlink == 1 for f in copies)
    del first, second
