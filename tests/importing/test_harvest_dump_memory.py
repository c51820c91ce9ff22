"""``passports harvest --from-dump`` holds what it must in memory, not the dump: two live peers on
loopback, one of 300 demo passports and one of 3,000 (dumps of about 9 and 88 MB of N-Quads), each
harvested from its dumps by the command line in its own process, whose peak resident memory
(``VmHWM``, read by the process itself as it exits) is compared.

The bound: what a run holds is the interpreter, the libraries, the shapes and the opened stores, one
passport's statements as it is read, a batch of ``CHECK_BATCH`` passports being validated, one
bulk-load call of ``LOAD_CHUNK`` bytes (its buffers given back after it) and SQLite's page cache,
none of which depends on the size of the dump. Two things do grow with it, up to a limit or with
the store: the cache of ``registry.model.integrity.broken_rule`` (65,536 IRIs at most, about
15 MB: full at 3,000 demo passports, an eighth full at 300) and RocksDB's readers of the files
the loads add (until its compaction merges them; a store of that size holds them when opened
anyway). Measured on 2026-12-05: 185 MB at 300 passports, 215 MB at 3,000 (30 MB more for 75 MB
more N-Quads); the harvest that read the dumps into an in-memory store took 199 MB and 785 MB
(586 MB more, 7.8 times the N-Quads). The test allows half of the N-Quads the larger dump adds.
"""

from __future__ import annotations

import gzip
import sys

import pytest

from registry.demo import generate
from registry.model.documents import PassportDoc
from registry.model.uris import owning_passport
from tests.conftest import ROOT
from tests.importing.test_harvest import SERVER
from tests.peak_memory import run_cli_peak
from tests.servers import serve_at_own_address


def _harvest_from_dump(tmp_path, size: int) -> tuple[int, int]:
    """The peak resident memory (bytes) of a ``--from-dump`` harvest of a peer of ``size`` demo
    passports, and the size of the peer's registry dump in N-Quads (bytes, unpacked)."""
    with serve_at_own_address(tmp_path / f"peer-{size}", **SERVER) as server:
        server.registry.add(PassportDoc(owning_passport(server.base, iri), triples)
                            for iri, triples in generate(size, 42, server.base))
        done, peak = run_cli_peak("harvest", server.url + "/feed/passports", "--data", str(tmp_path / f"local-{size}"),
                                  "--from-dump", cwd=ROOT, timeout=300)
        assert done.returncode == 0 and peak > 50 << 20, (peak, done.stderr)
        assert f"{size} passports taken in from the dumps" in done.stderr, done.stderr
        dumped = next((tmp_path / f"peer-{size}").rglob("dumps/registry.nq.gz"))
        with gzip.open(dumped, "rb") as stream:
            unpacked = sum(len(block) for block in iter(lambda: stream.read(1 << 20), b""))
    return peak, unpacked


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_peak_memory_does_not_follow_the_size_of_the_dump(tmp_path):
    small_peak, small_dump = _harvest_from_dump(tmp_path, 300)
    large_peak, large_dump = _harvest_from_dump(tmp_path, 3000)
    grown, dump_grown = large_peak - small_peak, large_dump - small_dump
    assert dump_grown > 50 << 20, dump_grown  # the dumps differ by tens of MB
    assert grown < dump_grown / 2, (f"peak {small_peak >> 20} MB at 300 passports, {large_peak >> 20} MB at 3,000: "
                                    f"{grown >> 20} MB more for {dump_grown >> 20} MB more N-Quads")
