"""The query pool against hostile queries: results capped in bytes before they are built whole,
memory of a worker capped, and a fast lane so cheap queries are not starved by long ones."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sparql_fixtures import BASE, LONG_QUERY, concat_query, make_data_dir

from registry.core.settings import Settings
from registry.query.pool import QueryOutOfMemory, QueryPool, QueryTimeout, ResultTooLarge

# Four unbounded triple patterns over ~190 triples: minutes of work.
CARTESIAN = LONG_QUERY  # stopped by the time limit, with flat memory (sparql_fixtures)
CHEAP = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("pool") / "data"
    make_data_dir(d)
    return d


def pool_for(data_dir: Path, **overrides) -> QueryPool:
    values = {"data_dir": data_dir, "base_iri": BASE, "query_timeout": 3.0, "result_cap": 1000,
              "query_workers": 1, "service_allowlist": (), "result_max_bytes": 2**20,
              "query_fast_lane": 0.5, "query_memory_mib": 512}
    values.update(overrides)
    pool = QueryPool(Settings(**values))
    assert pool.wait_ready(60)
    return pool


@pytest.fixture(scope="module")
def pool(data_dir):
    pool = pool_for(data_dir)
    yield pool
    pool.close()


def test_concat_built_rows_are_refused_after_the_row_that_crosses_the_byte_cap(pool):
    # 100 rows of 5 MB each would be 500 MB; the worker stops after the first row over 1 MiB.
    started = time.monotonic()
    with pytest.raises(ResultTooLarge) as refused:
        pool.run(concat_query(100, (10, 10, 10, 10, 10, 5)))
    message = str(refused.value)
    assert f"larger than {2**20} bytes" in message and "PASSPORTS_RESULT_MAX_BYTES" in message
    assert "after 1 rows" in message and "nothing was sent" in message
    assert time.monotonic() - started < 5
    for worker in pool.workers():
        assert peak_rss_mib(worker.process.pid) < 250, "the worker built the whole result"
    assert pool.run(CHEAP).count == 1


def test_the_byte_cap_applies_to_the_serialised_answer_too(data_dir):
    # 60 IRIs are about 3.4 KB as TSV but about 5.1 KB as JSON results.
    small = pool_for(data_dir, result_max_bytes=4000, query_fast_lane=0)
    try:
        query = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 60"
        assert small.run(query, format="tsv").count == 60
        with pytest.raises(ResultTooLarge) as refused:
            small.run(query, format="json")
        assert "written as JSON" in str(refused.value) and "4000 bytes" in str(refused.value)
        with pytest.raises(ResultTooLarge):
            small.run("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 200", format="ntriples")
    finally:
        small.close()


def test_a_value_too_big_for_the_workers_memory_ends_the_query_not_the_machine(data_dir):
    # One row whose string is 10**9 characters (without a cap: 9 s and GBs): the worker's memory
    # cap of 512 MiB ends it within a second; the worker is replaced.
    capped = pool_for(data_dir, query_memory_mib=512, result_max_bytes=2**31, query_fast_lane=0,
                      query_timeout=20)
    try:
        started = time.monotonic()
        with pytest.raises((QueryOutOfMemory, ResultTooLarge)) as refused:
            capped.run(concat_query(1, (10,) * 8))
        assert time.monotonic() - started < 5
        assert "512 MiB" in str(refused.value) and "PASSPORTS_QUERY_MEMORY" in str(refused.value)
        if isinstance(refused.value, QueryOutOfMemory):  # the worker's allocation failed: it aborted
            assert refused.value.status == 503 and "(SIGABRT)" in str(refused.value)
            assert "512 MiB geheugen" in refused.value.message("nl")
        assert capped.wait_ready(30)
        assert capped.run(CHEAP).count == 1  # the worker was replaced or recovered
    finally:
        capped.close()


def test_a_cheap_query_takes_the_fast_lane_while_a_long_one_holds_the_worker(pool):
    outcome = {}

    def long_query():
        try:
            pool.run(CARTESIAN)
        except QueryTimeout as exc:
            outcome["timeout"] = str(exc)

    holder = threading.Thread(target=long_query)
    holder.start()
    time.sleep(0.3)
    waits = []
    for _ in range(3):
        started = time.monotonic()
        assert pool.run(CHEAP, fast_lane=True).count == 1
        waits.append(time.monotonic() - started)
    assert max(waits) < 0.5, waits
    holder.join()
    assert "query timeout after 3 s" in outcome["timeout"]
    assert pool.wait_ready(30)


def test_a_long_query_in_the_fast_lane_is_moved_to_a_regular_worker(pool):
    """A long query that found the regular worker busy gets the fast lane for 0.5 s, then waits
    for the regular worker; the time limit still holds over both."""
    killed_before = pool.fast.killed
    results = {}

    def run(name, query, **kwargs):
        started = time.monotonic()
        try:
            results[name] = pool.run(query, **kwargs).count
        except QueryTimeout as exc:
            results[name] = str(exc)
        results[name + " seconds"] = time.monotonic() - started

    first = threading.Thread(target=run, args=("first", CARTESIAN), kwargs={"timeout": 1.0})
    first.start()
    time.sleep(0.2)
    second = threading.Thread(target=run, args=("second", CARTESIAN), kwargs={"timeout": 3.0})
    second.start()
    first.join()
    second.join()
    assert "query timeout after 1 s" in results["first"]
    assert "query timeout after 3 s" in results["second"]
    # 0.5 s in the fast lane, a wait for the regular worker, then the 2.5 s left of its limit
    assert 3.0 <= results["second seconds"] < 3.0 + 1.5
    assert pool.fast.killed == killed_before + 1
    assert pool.wait_ready(30)
    assert pool.run(CHEAP, fast_lane=True).count == 1


def test_without_the_fast_lane_a_query_waits_for_the_regular_worker(pool):
    holder = threading.Thread(target=lambda: pytest.raises(QueryTimeout, pool.run, CARTESIAN, timeout=1.0))
    holder.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert pool.run(CHEAP, fast_lane=False).count == 1
    assert time.monotonic() - started > 0.5  # it waited for the long query's time limit
    holder.join()


def test_a_worker_keeps_its_store_until_the_generation_changes(tmp_path):
    # A write that does not bump the generation stays unseen however long one waits (no timer
    # reopens the store: a reopen costs tens of ms and a cold cache); the bump makes it visible.
    import pyoxigraph as ox
    from sparql_fixtures import PASSPORTS, passport_turtle

    from registry.core.workers import bump_generation

    data = tmp_path / "data"
    make_data_dir(data, passports=PASSPORTS[:2])
    pool = pool_for(data, query_fast_lane=0)
    count = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a ?t } }"
    try:
        before = pool.run(count, format="tsv").body
        writer = ox.Store(str(data / "main"))
        writer.load(passport_turtle(PASSPORTS[2]), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(PASSPORTS[2].iri))
        writer.flush()
        time.sleep(2.5)
        assert pool.run(count, format="tsv").body == before
        bump_generation(data)
        assert pool.run(count, format="tsv").body != before
        del writer
    finally:
        pool.close()
