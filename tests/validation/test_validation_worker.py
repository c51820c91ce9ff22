"""Validation in a second process during a large add: same outcome as in one process, and a
worker that dies is replaced by validation in the main process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import BASE, child_pids, docs_from, passport_ttl

from registry.core.settings import Settings
from registry.model.uris import passport_ref
from registry.model.vocab import MANAGED_PREDICATES
from registry.store.registry import Registry


def _inputs():
    docs = []
    for n in range(1, 13):
        docs += docs_from(passport_ttl(f"brug-{n}", amount="-1" if n == 5 else "120.5"))
    docs.insert(8, docs_from(passport_ttl("brug-2", amount="7"))[0])  # the same passport twice
    return docs


def _content(registry: Registry, iri: str) -> list[str]:
    ref = passport_ref(BASE, "GM0153", iri.rsplit("/", 1)[1])
    return sorted(str(t) for t in registry.get(ref) if t.predicate not in MANAGED_PREDICATES
                  and "_:" not in str(t))


def _run(tmp_path, name: str, batch_size: int, progress=None):
    registry = Registry.open(Settings(data_dir=tmp_path / name, base_iri=BASE))
    registry.add(docs_from(passport_ttl("brug-3")) + docs_from(passport_ttl("brug-4", amount="1")))
    report = registry.add(_inputs(), batch_size=batch_size, progress=progress)
    return registry, report


def test_validation_in_a_worker_process_gives_the_same_outcome(tmp_path):
    serial, expected = _run(tmp_path, "serial", 1000)
    parallel, report = _run(tmp_path, "parallel", 3)
    try:
        assert sorted(report.created) == sorted(expected.created) and len(report.created) == 9
        assert report.updated == expected.updated == [passport_ref(BASE, "GM0153", "brug-4").iri]
        assert report.unchanged == expected.unchanged == [passport_ref(BASE, "GM0153", "brug-3").iri]
        assert [(v.iri, [i.as_dict() for i in v.issues]) for v in report.rejected] == \
            [(v.iri, [i.as_dict() for i in v.issues]) for v in expected.rejected]
        assert {i.constraint for v in report.rejected for i in v.issues} >= {"duplicate"}
        assert serial.count_passports() == parallel.count_passports() == 11
        for iri in report.created + report.updated:
            assert _content(parallel, iri) == _content(serial, iri)
            # the content hash the worker computed is the one a later add compares with
        again = parallel.add(_inputs(), batch_size=3)
        assert not again.created and not again.updated and len(again.unchanged) == 11
    finally:
        serial.close()
        parallel.close()


def test_a_worker_that_dies_is_replaced_by_validation_in_the_main_process(tmp_path):
    killed = []

    def kill_worker(_n: int) -> None:
        for pid in child_pids(os.getpid()):
            if not killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    registry, report = _run(tmp_path, "killed", 2, progress=kill_worker)
    try:
        assert killed, "no validation worker was running"
        assert len(report.created) == 9 and len(report.rejected) == 2
        assert registry.count_passports() == 11
    finally:
        registry.close()


SCRIPT = '''
import os, sys
from pathlib import Path
from conftest import BASE, child_pids, docs_from, passport_ttl
from registry.core.settings import Settings
from registry.store.registry import Registry

with open(sys.argv[1], "a") as runs:  # the script's own work, which must happen once
    runs.write(f"{os.getpid()}\\n")
seen = set()
registry = Registry.open(Settings(data_dir=Path(sys.argv[2]), base_iri=BASE))
docs = [d for n in range(12) for d in docs_from(passport_ttl(f"brug-{n}"))]
report = registry.add(docs, batch_size=3, progress=lambda n: seen.update(child_pids(os.getpid())))
registry.close()
print(len(report.created), len(seen))
'''


def test_a_script_without_a_main_guard_runs_once_and_its_add_uses_the_worker(tmp_path):
    """A library user's script with no ``if __name__ == "__main__"``: the validation worker is a
    process of its own, so the script's top level is not run again in it (multiprocessing's spawn
    would run it again: a second add, or worse)."""
    script, runs = tmp_path / "load.py", tmp_path / "runs.txt"
    script.write_text(SCRIPT)
    tests = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tests), str(tests.parent)])}
    done = subprocess.run([sys.executable, str(script), str(runs), str(tmp_path / "data")], check=False, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    created, workers = (int(x) for x in done.stdout.split())
    assert created == 12 and workers >= 1
    assert len(runs.read_text().splitlines()) == 1  # the script ran once
