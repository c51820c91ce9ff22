"""The sidecars' upkeep off the write path (``sidecar``: checkpoints and full-text merges run on a
thread of their own): writes never checkpoint nor merge themselves, the upkeep keeps the files
whole while writes go on, and a process killed in the middle of an upkeep round loses no write.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from pages_support import BASE

from registry.core.settings import Settings
from registry.demo import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from registry.store.registry import Registry
from registry.store.search_index import SearchIndex
from registry.store.sidecar import CHECKPOINT_EVERY

ROOT = Path(__file__).resolve().parents[2]

# One passport per write, more writes than two upkeep rounds; then an upkeep round of everything
# on its thread, and the process kills itself while that round runs.
CRASHING_WRITER = textwrap.dedent("""
    import os, signal, sys, threading, time
    from pathlib import Path
    from registry.core.settings import Settings
    from registry.demo import generate
    from registry.model.documents import PassportDoc
    from registry.model.uris import owning_passport
    from registry.store.registry import Registry

    base, data_dir, size = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    registry = Registry.open(Settings(data_dir=data_dir, base_iri=base))
    for iri, triples in generate(size, 3, base):
        report = registry.add([PassportDoc(owning_passport(base, iri), triples)])
        assert report.created == [iri], report
        print(iri, flush=True)
    for index in registry.sidecars():
        threading.Thread(target=index._upkeep_round, kwargs={"steps": None}).start()
    time.sleep(0.003)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def rows(path: Path, table: str = "passport") -> set[str]:
    conn = sqlite3.connect(str(path))
    try:
        return {iri for (iri,) in conn.execute(f"SELECT iri FROM {table}")}
    finally:
        conn.close()


def fts_integrity(path: Path) -> None:
    """FTS5's own check that the full-text index matches its rows (raises when not)."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("INSERT INTO passport_text (passport_text) VALUES ('integrity-check')")
    finally:
        conn.close()


def test_a_kill_during_upkeep_loses_no_write(tmp_path):
    data_dir = tmp_path / "data"
    size = 2 * CHECKPOINT_EVERY + 5
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CRASHING_WRITER, BASE, str(data_dir), str(size)], check=False,
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == -9, done.stderr
    written = set(done.stdout.split())
    assert len(written) == size
    for index in ("search.sqlite", "monitor.sqlite"):
        assert rows(data_dir / index) == written, index
    fts_integrity(data_dir / "search.sqlite")
    # clean as the last write left it: the next opening trusts the files and does not rebuild them
    index = SearchIndex(data_dir, BASE)
    try:
        assert index.is_fresh()
    finally:
        index.close()


def test_writes_go_on_while_upkeep_runs(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", base_iri=BASE)
    registry = Registry.open(settings)
    written = []
    try:
        for index in registry.sidecars():  # the writer's connection never checkpoints by itself
            assert index.conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        for iri, triples in generate(3 * CHECKPOINT_EVERY, 4, BASE):
            report = registry.add([PassportDoc(owning_passport(BASE, iri), triples)])
            assert report.created == [iri]
            written.append(iri)
        upkeep = registry.search_index._upkeep
        assert upkeep is not None and upkeep.is_alive()
    finally:
        registry.close()
    assert not upkeep.is_alive()  # closing stops the thread
    path = settings.data_dir / "search.sqlite"
    assert rows(path) == set(written)
    fts_integrity(path)
    wal = Path(f"{path}-wal")  # closing checkpointed the log into the file and emptied it
    assert not wal.exists() or wal.stat().st_size == 0
