"""The query workers' memory allocator (``PASSPORTS_WORKER_ALLOCATOR``, ``registry.core.allocator``):
jemalloc preloaded into the workers only, when installed; glibc's on ``system``; a missing library
reported and not used. The workers answer the same either way, keep their memory cap and give
memory back (``registry.core.heap.give_back`` purges jemalloc's arenas)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sparql_fixtures import BASE, concat_query, make_data_dir

from registry.core.allocator import preload_library, preloaded
from registry.core.settings import Settings
from registry.core.workers import WorkerPool
from registry.query.pool import QueryOutOfMemory, QueryPool, ResultTooLarge

TESTS = Path(__file__).resolve().parents[1]
JEMALLOC = preload_library("auto")
needs_jemalloc = pytest.mark.skipif(JEMALLOC is None, reason="libjemalloc2 is not installed (.ci/run installs it)")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def mapped(pid: int) -> str:
    """The memory map of process ``pid`` (the shared libraries it loaded)."""
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("allocator") / "data"
    make_data_dir(data)
    return data


def query_pool(data_dir: Path, allocator: str, **fields) -> QueryPool:
    values = {"data_dir": data_dir, "base_iri": BASE, "query_workers": 1, "service_allowlist": (),
              "worker_allocator": allocator, **fields}
    pool = QueryPool(Settings(**values))
    assert pool.wait_ready(60)
    return pool


def workers(pool: QueryPool) -> list:
    return pool.workers() + (pool.fast.workers() if pool.fast is not None else [])


@needs_jemalloc
def test_auto_starts_the_query_workers_on_jemalloc_and_not_the_server(data_dir):
    pool = query_pool(data_dir, "auto", query_fast_lane=0.5)
    try:
        assert len(workers(pool)) == 2  # the regular worker and the fast lane
        assert all("libjemalloc" in mapped(w.process.pid) for w in workers(pool))
        assert "libjemalloc" not in mapped(os.getpid())
        assert "libjemalloc" not in os.environ.get("LD_PRELOAD", "")
        assert b'"value":"' in pool.run(COUNT).body
    finally:
        pool.close()


def test_system_keeps_glibc_and_the_answers_are_the_same(data_dir):
    pool = query_pool(data_dir, "system")
    try:
        assert all("libjemalloc" not in mapped(w.process.pid) for w in workers(pool))
        plain = pool.run(COUNT).body
    finally:
        pool.close()
    if JEMALLOC is not None:
        other = query_pool(data_dir, "auto")
        try:
            assert other.run(COUNT).body == plain
        finally:
            other.close()


def test_a_library_that_is_not_there_is_reported_and_the_workers_still_answer(data_dir, tmp_path, caplog):
    missing = str(tmp_path / "libnothere.so")
    with caplog.at_level(logging.WARNING, logger="registry.core.allocator"):
        pool = query_pool(data_dir, missing)
    try:
        assert "is not a file" in caplog.text and missing in caplog.text
        assert all("libnothere" not in mapped(w.process.pid) for w in workers(pool))
        assert b'"value":"' in pool.run(COUNT).body
    finally:
        pool.close()


@needs_jemalloc
def test_the_memory_cap_still_ends_a_query_that_needs_more(data_dir):
    pool = query_pool(data_dir, "auto", query_memory_mib=256, result_max_bytes=2**31, query_fast_lane=0,
                      query_timeout=20)
    try:
        with pytest.raises((QueryOutOfMemory, ResultTooLarge)) as refused:
            pool.run(concat_query(1, (10,) * 8))  # one string of 10**9 characters
        assert "256 MiB" in str(refused.value)
        assert pool.wait_ready(30)
        assert b'"value":"' in pool.run(COUNT).body  # replaced (or recovered), on jemalloc again
        assert all("libjemalloc" in mapped(w.process.pid) for w in workers(pool))
    finally:
        pool.close()


@needs_jemalloc
def test_a_worker_on_jemalloc_gives_freed_memory_back_and_is_recycled_when_it_keeps_it(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pool = WorkerPool("hoarding_worker", (100,), 1, preload=JEMALLOC)
    try:
        assert pool.wait_ready(60)
        first, _ = pool.call(5, wait=30, limit=30)
        assert "libjemalloc" in mapped(first)
        assert pool.call(120, wait=30, limit=30) == (first, 2)  # kept: it answers, then leaves
        assert pool.wait_ready(60) and pool.recycled == 1
        second, kept = pool.call(1, wait=30, limit=30)
        assert second != first and kept == 1 and "libjemalloc" in mapped(second)
    finally:
        pool.close()


def test_the_preload_goes_first_and_keeps_what_was_there():
    env = {"LD_PRELOAD": "/opt/a.so:/opt/b.so", "HOME": "/root"}
    assert preloaded(env, "/usr/lib/j.so")["LD_PRELOAD"] == "/usr/lib/j.so /opt/a.so /opt/b.so"
    assert preloaded({}, "/usr/lib/j.so") == {"LD_PRELOAD": "/usr/lib/j.so"}
    assert preloaded(env, None) is env
    assert preloaded({"LD_PRELOAD": "/usr/lib/j.so"}, "/usr/lib/j.so")["LD_PRELOAD"] == "/usr/lib/j.so"
    assert preload_library("system") is None and preload_library("") is None and preload_library("glibc") is None
    assert preload_library("jemalloc") == preload_library("JEMALLOC") == preload_library(" auto ") == JEMALLOC
