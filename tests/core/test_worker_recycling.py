"""A worker that holds more than ``PASSPORTS_WORKER_RECYCLE`` MiB after a task answers and is
replaced by a fresh one (``registry.core.workers``: ``serve_tasks``, ``Retiring``); the query and
page pools pass the setting (``tests/web/test_page_pool.py`` checks the pages)."""

from __future__ import annotations

from pathlib import Path

from registry.core.workers import WorkerPool

TESTS = Path(__file__).resolve().parents[1]


def test_a_worker_over_its_memory_answers_and_a_fresh_one_takes_its_place(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerPool("hoarding_worker", (100,), 1)
    try:
        assert pool.wait_ready(60)
        first, kept = pool.call(5, wait=30, limit=30)
        assert kept == 1 and pool.recycled == 0
        assert pool.call(5, wait=30, limit=30) == (first, 2)  # still small: the same worker
        assert pool.call(120, wait=30, limit=30) == (first, 3)  # answered, then it leaves
        assert pool.recycled == 1
        assert pool.wait_ready(60)
        second, kept = pool.call(1, wait=30, limit=30)
        assert second != first and kept == 1  # a fresh process, nothing kept
        assert [w.process.pid for w in pool.workers()] == [second]
    finally:
        pool.close()


def test_without_a_limit_the_worker_stays(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerPool("hoarding_worker", (0,), 1)
    try:
        assert pool.wait_ready(60)
        first, _ = pool.call(150, wait=30, limit=30)
        assert pool.call(1, wait=30, limit=30) == (first, 2) and pool.recycled == 0
    finally:
        pool.close()
