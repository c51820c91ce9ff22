"""A worker that holds more than ``PASSPORTS_WORKER_RECYCLE`` MiB after a task answers and is
replaced by a fresh one (``registry.core.workers``: ``serve_tasks``, ``Retiring``); the query and
page pools pass the setting (``tests/web/test_page_pool.py`` checks the pages)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from registry.core.workers import WorkerPool

TESTS = Path(__file__).resolve().parents[1]


@contextmanager
def hoarding_pool(monkeypatch, recycle_mib: int):
    """One ``tests/hoarding_worker.py`` process that is replaced above ``recycle_mib`` MiB."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerPool("hoarding_worker", (recycle_mib,), 1)
    try:
        assert pool.wait_ready(60)
        yield pool
    finally:
        pool.close()


def test_a_worker_over_its_memory_answers_and_a_fresh_one_takes_its_place(monkeypatch):
    with hoarding_pool(monkeypatch, 100) as pool:
        first, kept = pool.call(5, wait=30, limit=30)
        assert kept == 1 and pool.recycled == 0
        assert pool.call(5, wait=30, limit=30) == (first, 2)  # still small: the same worker
        assert pool.call(120, wait=30, limit=30) == (first, 3)  # answered, then it leaves
        assert pool.recycled == 1
        assert pool.wait_ready(60)
        second, kept = pool.call(1, wait=30, limit=30)
        assert second != first and kept == 1  # a fresh process, nothing kept
        assert [w.process.pid for w in pool.workers()] == [second]


def test_without_a_limit_the_worker_stays(monkeypatch):
    with hoarding_pool(monkeypatch, 0) as pool:
        first, _ = pool.call(150, wait=30, limit=30)
        assert pool.call(1, wait=30, limit=30) == (first, 2) and pool.recycled == 0


def test_the_worker_that_answered_last_takes_the_next_task(monkeypatch):
    """Idle workers are taken last in, first out: one client's queries in a row land on the
    process whose caches the earlier ones warmed, not on each worker in turn."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerPool("hoarding_worker", (0,), 3)
    try:
        assert pool.wait_ready(60)
        served = [pool.call(1, wait=30, limit=30) for _ in range(6)]
        assert len({pid for pid, _ in served}) == 1
        assert [kept for _, kept in served] == [1, 2, 3, 4, 5, 6]
    finally:
        pool.close()
