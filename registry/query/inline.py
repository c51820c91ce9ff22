"""Queries cheap enough to run in the server process: one quad pattern in one graph.

A public query normally crosses into a query worker, a process that can be killed at the time
limit and whose memory is capped. That hop costs a few tenths of a millisecond of CPU and two
wake-ups per request, as much as the cheapest queries themselves (one passport's graph). A query
whose work is *provably* bounded by the size of its answer needs neither the kill nor the memory
cap: the answer is written into the same capped buffer as in a worker
(:mod:`registry.query.results`), which refuses it after at most twice the bytes of
``PASSPORTS_RESULT_CAP`` rows (or at ``PASSPORTS_RESULT_MAX_BYTES``), so the work stops there too.
:func:`bounded` accepts only queries of that kind, from their tokens:

- ``CONSTRUCT { T } WHERE { GRAPH <g> { T } }`` (the template the same triple pattern ``T``), and
- ``SELECT * | ?v ... WHERE { GRAPH <g> | ?g { T } }``, each with an optional ``LIMIT n``, and
- ``ASK {}``, ``ASK { T }``, ``ASK { GRAPH <g> | ?g { T } }`` (the first quad read answers it),

with PREFIX / BASE declarations, where the terms of ``T`` are variables, IRIs, prefixed names or
``a``, and no variable occurs twice. Why the work is bounded:
pyoxigraph answers one quad pattern by a prefix scan of the index that has the fixed terms first
(it has one for every combination), so each quad it reads is a solution; with distinct variables
no solution is dropped, and without DISTINCT, ORDER BY, OFFSET or GROUP BY each solution becomes a
row (a triple of a named graph is there once, so the CONSTRUCT loses none either). The quads read
are therefore at most the rows written. Anything else (a FILTER, a second pattern, a literal, a
blank node, a repeated variable such as ``?x ?x ?x``, which scans a whole graph for a few rows, a
SELECT or CONSTRUCT over the union default graph, where one triple can be in many graphs) goes to a
worker.

The caps alone would allow about twice ``PASSPORTS_RESULT_CAP`` rows, 0.1-0.5 s of work at 10,000
rows, too much for the server process; so an answer that grows past 256 KiB (``MAX_BYTES``, about
2,000 rows; one passport's graph is about 13 KB) is dropped here and the query goes to a worker,
which answers it or refuses it with the endpoint's caps. At most a few milliseconds are spent here
per query.

The server runs these queries on a thread (pyoxigraph releases the GIL while it evaluates), or on
the event loop itself when the server was idle (no query for 10 ms: the hand-off to a thread and
back would only add two wake-ups), on its own read-only handle of the store, reopened when
``DATA/generation`` changes, like a worker's; ``PASSPORTS_QUERY_INLINE`` threads, each with a queue of
at most ``QUEUED_PER_THREAD`` more queries, the next ones go to the workers. Waiting a few
milliseconds for a thread costs less than the hop to a worker: under ``wrk`` at 4 connections on
2,000 passports, 0.86 ms of CPU per passport request with every query here against 1.07 ms with
half of them sent to the workers. Four threads by default: at 20,000 passports, 4 connections, the
same run, 1,495 req/s with four against 1,067 with two (docs/benchmarks.md, issue 15).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from registry.core.workers import FreshStore
from registry.query.service_policy import Token, _Untokenizable, tokens

IDLE_SECONDS = 0.01  # no query ended this long ago, none running: the server is idle
# An answer larger than this is not finished here but run again by a query worker (with the
# endpoint's own caps): the work of a query in the server stays within a few milliseconds.
MAX_BYTES = 256 * 1024
_TERMS = ("var", "iri", "pname")
# Queries waiting for each thread, beyond the one it runs, before the next goes to a worker: at a few
# milliseconds each at most, a query waits at most some tens of milliseconds here.
QUEUED_PER_THREAD = 4


# The two commonest shapes, one passport's graph and ``ASK {}``, written plainly (IRIs, variables and
# ``a``; no prefixed names, comments or PREFIX): recognised by one regular expression in 2-3 µs
# instead of 35-45 µs of lexing. Whatever it does not match is lexed, so it only ever says yes
# earlier (the tests compare both ways).
_VAR = r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+"
_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_TRIPLE = rf"(?:{_VAR}|{_IRI}|a(?=\s))(?:\s+(?:{_VAR}|{_IRI}|a(?=\s))){{2}}"
_PLAIN = re.compile(rf"""\s*(?i:CONSTRUCT)\s*\{{\s*(?P<template>{_TRIPLE})\s*\.?\s*\}}
    \s*(?i:WHERE)\s*\{{\s*(?i:GRAPH)\s*{_IRI}\s*\{{\s*(?P<pattern>{_TRIPLE})\s*\.?\s*\}}\s*\}}\s*
    | \s*(?i:ASK)(?:\s+(?i:WHERE))?\s*\{{\s*\}}\s*""", re.VERBOSE)


def bounded(query: str, *, lexed: bool = False) -> bool:
    """Whether ``query`` is one of the shapes above (a conservative check: False when unsure).
    ``lexed``: always read the query's tokens (without the plain shapes' shortcut)."""
    lowered = query.lower()
    if len(query) > 4096 or ("graph" not in lowered and "ask" not in lowered):  # most: without lexing
        return False
    if not lexed and _plain(query):
        return True
    try:
        toks = tokens(query)
    except _Untokenizable:
        return False
    return _Reader(toks).shape()


def _plain(query: str) -> bool:
    found = _PLAIN.fullmatch(query)
    if found is None:
        return False
    if found["template"] is None:  # ASK {}
        return True
    pattern = found["pattern"].split()
    names = [term[1:] for term in pattern if term[0] in "?$"]
    return found["template"].split() == pattern and len(set(names)) == len(names)


class _Reader:
    def __init__(self, toks: list[Token]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def word(self, *words: str) -> str | None:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text.upper() in words:
            self.i += 1
            return tok.text.upper()
        return None

    def punct(self, char: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == char:
            self.i += 1
            return True
        return False

    def take(self, *kinds: str) -> Token | None:
        tok = self.peek()
        if tok is not None and tok.kind in kinds:
            self.i += 1
            return tok
        return None

    def term(self) -> Token | None:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text == "a":  # rdf:type
            self.i += 1
            return tok
        return self.take(*_TERMS)

    def triple(self) -> tuple[Token, Token, Token] | None:
        found = (self.term(), self.term(), self.term())
        if None in found:
            return None
        self.punct(".")
        return found  # type: ignore[return-value]

    def shape(self) -> bool:
        while self.word("PREFIX", "BASE"):
            if self.toks[self.i - 1].text.upper() == "PREFIX" and not self.take("pname"):
                return False
            if not self.take("iri"):
                return False
        form = self.word("CONSTRUCT", "SELECT", "ASK")
        if form == "ASK":
            return self.ask()
        template = None
        projected: list[Token] = []
        if form == "CONSTRUCT":
            if not self.punct("{") or (template := self.triple()) is None or not self.punct("}"):
                return False
        elif form == "SELECT":
            if not self.punct("*"):
                while (var := self.take("var")) is not None:
                    projected.append(var)
                if not projected:
                    return False
        else:
            return False
        self.word("WHERE")
        if not (self.punct("{") and self.word("GRAPH")):
            return False
        graph = self.take("var", "iri", "pname")
        if graph is None or not self.punct("{"):
            return False
        pattern = self.triple()
        if pattern is None or not (self.punct("}") and self.punct("}")):
            return False
        if self.word("LIMIT") and self.take("number") is None:
            return False
        if self.peek() is not None:
            return False
        if template is not None and (graph.kind == "var" or [t.text for t in template] != [t.text for t in pattern]):
            return False
        names = [t.text[1:] for t in (graph, *pattern) if t.kind == "var"]
        if len(set(names)) != len(names):
            return False
        return all(v.text[1:] in names for v in projected)

    def ask(self) -> bool:
        """``ASK {}``, ``ASK { T }`` or ``ASK { GRAPH G { T } }``: the first quad read answers it."""
        self.word("WHERE")
        if not self.punct("{"):
            return False
        if self.punct("}"):
            return self.peek() is None
        graph = None
        if self.word("GRAPH"):
            graph = self.take("var", "iri", "pname")
            if graph is None or not self.punct("{"):
                return False
        pattern = self.triple()
        if pattern is None or not self.punct("}") or (graph is not None and not self.punct("}")):
            return False
        names = [t.text[1:] for t in (graph, *pattern) if t is not None and t.kind == "var"]
        return self.peek() is None and len(set(names)) == len(names)


class InlineRunner:
    """Runs :func:`bounded` queries on threads of the server process, ``slots`` at once."""

    def __init__(self, store_path: str, generation_path: Path, cap: int, max_bytes: int, slots: int) -> None:
        from registry.query.execute import read_only_opener

        self.cap, self.max_bytes = cap, min(max_bytes, MAX_BYTES)
        self.slots = threading.BoundedSemaphore(slots * (1 + QUEUED_PER_THREAD))  # running or queued
        self.threads = ThreadPoolExecutor(slots, thread_name_prefix="inline-query")
        self.store = FreshStore(read_only_opener(store_path), generation_path)  # shared by the threads
        self.busy = 0
        self.last = 0.0
        self.ran = 0  # queries answered here (for tests and monitoring)

    def eligible(self, task) -> bool:
        return (task.default_graphs is None and task.named_graphs is None and task.union_default_graph
                and not task.substitutions and bounded(task.query))

    async def arun(self, task) -> tuple | None:
        """The reply to ``task`` (as a worker gives it), or None for a worker to answer it: every thread
        busy and its queue full, or the answer over :data:`MAX_BYTES` (or another cap)."""
        if not self.slots.acquire(blocking=False):
            return None
        # A server that was idle answers on the event loop itself: the hand-off to a thread and back
        # costs two wake-ups (0.3-0.4 ms on a loaded machine), and no other request is waiting.
        # Under load the thread lets the loop read the next requests while pyoxigraph works; a store
        # to reopen (after a write: tens of milliseconds) is reopened on the thread too.
        idle = self.busy == 0 and time.monotonic() - self.last > IDLE_SECONDS and self.store.current()
        self.busy += 1
        try:
            if idle:
                reply = self._answer(task)
            else:
                reply = await asyncio.get_running_loop().run_in_executor(self.threads, self._answer, task)
        finally:
            self.busy -= 1
            self.last = time.monotonic()
            self.slots.release()
        if reply[0] == "ResultTooLarge":
            return None  # over the inline byte cap (or a real cap): the worker gives the answer
        self.ran += 1
        return reply

    def _answer(self, task) -> tuple:
        from registry.query.execute import answer

        return answer(self.store, task, self.cap, self.max_bytes)

    def close(self) -> None:
        self.threads.shutdown(wait=False, cancel_futures=True)
