"""The demo passports one after another: planned and written in this process, or planned in a
second one (``worker.py``) while this one parses; the output is the same either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from registry.core.resources import PACKAGES_DIR
from registry.core.settings import DEFAULT_BASE
from registry.demo.builder import DemoError
from registry.demo.emit import Vocab, checked_base, emit_passport
from registry.demo.planner import planner_for, select_municipalities


def texts(size: int, seed: int, base: str, municipalities, graph: bool) -> Iterator[tuple[str, str]]:
    """(passport IRI, N-Triples or N-Quads text) for ``size`` passports, in this process."""
    if size < 0:
        raise DemoError(f"size must be 0 or more, not {size}",
                        message_nl=f"het aantal moet 0 of meer zijn, niet {size}")
    base = checked_base(base)
    planner = planner_for(seed, municipalities)
    vocab = Vocab()
    materials, source = planner.materials, Path(planner.materials_source).name
    for asset in planner.assets(size):
        yield emit_passport(asset, base, vocab, materials, source, graph)


PARALLEL_FROM = 20_000
"""From this many passports on, ``parallel=None`` plans and writes the text in a second process."""


def texts_in_worker(size: int, seed: int, base: str, municipalities,
                    graph: bool) -> Iterator[tuple[str, bytes]]:
    """The same as ``texts``, produced by a child process while this one parses (two cores).

    The child (``python3 -m registry.demo.worker ARGS``) writes ``"{bytes} {iri}\n"`` + text per
    passport to its stdout; the pipe's buffer bounds the memory. Output is identical to ``texts``.
    """
    if size < 0:
        raise DemoError(f"size must be 0 or more, not {size}",
                        message_nl=f"het aantal moet 0 of meer zijn, niet {size}")
    base = checked_base(base)
    codes = None if municipalities is None else [m.code for m in select_municipalities(municipalities)]
    planner_for(seed, codes)  # the same checks as in-process, raised here with a clear traceback
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(PACKAGES_DIR), os.environ.get("PYTHONPATH", "")) if p)}
    args = json.dumps({"size": size, "seed": seed, "base": base, "municipalities": codes, "graph": graph})
    proc = subprocess.Popen([sys.executable, "-m", "registry.demo.worker", args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(PACKAGES_DIR),
                            bufsize=1 << 20)
    produced = 0
    try:
        stream = proc.stdout
        while True:
            header = stream.readline()
            if not header:
                break
            length, iri = header.split(b" ", 1)
            yield iri[:-1].decode(), stream.read(int(length))
            produced += 1
        error = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0 or produced != size:
            raise RuntimeError(f"the demo worker process stopped after {produced} of {size} passports "
                               f"(exit code {proc.returncode}): {error.strip()[-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()



def use_worker(parallel: bool | None, size: int) -> bool:
    if parallel is None:
        return size >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2
    return parallel


def passport_texts(size: int, seed: int, base: str, municipalities, graph: bool,
                   parallel: bool | None) -> Iterator[tuple[str, str | bytes]]:
    """``texts`` or ``texts_in_worker``, as ``parallel`` and ``size`` say (see ``generate``)."""
    return (texts_in_worker if use_worker(parallel, size) else texts)(size, seed, base, municipalities,
                                                                       graph=graph)


def generate(size: int, seed: int = 42, base: str = DEFAULT_BASE, municipalities=None, *,
             parallel: bool | None = None) -> Iterator[tuple[str, list[ox.Triple]]]:
    """Yield ``size`` demo passports as ``(passport IRI, triples)``, lazily and deterministically.

    ``municipalities``: None for all 22 of ``ontology/organisations.ttl``, or CBS codes.
    The same ``seed`` gives the same passports; the registry-managed predicates (versionNumber,
    contentHash, created, ...) are not included. ``parallel``: plan the passports in a second
    process while this one builds the terms (None: from ``PARALLEL_FROM`` passports on, with two
    or more cores); the output is the same either way.
    """
    parse, fmt = ox.parse, ox.RdfFormat.N_TRIPLES
    for iri, text in passport_texts(size, seed, base, municipalities, False, parallel):
        # lenient: the IRIs are built here from a checked base, so skip re-validating them
        # (N-Triples parse to quads in the default graph; .triple is the triple itself)
        yield iri, [q.triple for q in parse(text, fmt, lenient=True)]
