"""Untrusted RDF bodies parsed in worker processes, so a parser crash costs one request, not the
server.

The pre-scan (:mod:`registry.model.prescan`) refuses every input known to crash or exhaust
pyoxigraph's parsers, but the parsers are native code: a crash nobody has found yet would kill
the process it runs in. A :class:`ParsePool` keeps ``settings.parse_workers`` processes (the
machinery of :mod:`registry.core.workers`); a body goes to an idle one, which pre-scans, parses and
splits it into passports (:func:`parse_body`) and sends each passport back as N-Quads (blank node
labels kept), which the server reads back with the N-Quads parser (its own output, no nesting).
A worker that dies answers that request with :class:`ParseCrashed` (422) and is replaced; one that
takes longer than ``settings.parse_timeout`` is killed, replaced, and the request gets
:class:`ParseTimeout` (422); when every worker stays busy that long, :class:`ParseBusy` (503).
A worker's data segment is capped at ``settings.parse_memory_mib``: a body that needs more gets a
413 (or, when the parser's own allocation fails, the 422 of a crash), not the machine's memory.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.core.workers import (
    PoolBusy,
    WorkerDied,
    WorkerPool,
    WorkerTimeout,
    limit_memory,
    serve_tasks,
    worker_entry,
)
from registry.model.documents import DocumentError, PassportDoc, read_bytes
from registry.model.prescan import LimitError, ParseLimits
from registry.model.uris import PassportRef, owning_passport

SOURCE = "request body"


class ParseTimeout(RegistryError):
    status = 422


class ParseCrashed(RegistryError):
    status = 422


class ParseBusy(RegistryError):
    status = 503


def foreign_resource(body: bytes, fmt: ox.RdfFormat, base: str,
                     municipality: str) -> tuple[PassportRef, str] | None:
    """The first subject or graph in ``body`` (already pre-scanned) that lies in another
    municipality's namespace."""
    try:
        for quad in ox.parse(body, fmt, base_iri=base):
            for term in (quad.subject, quad.graph_name):
                if isinstance(term, ox.NamedNode):
                    ref = owning_passport(base, term.value)
                    if ref is not None and ref.municipality != municipality:
                        return ref, term.value
    except (SyntaxError, ValueError, MemoryError):
        pass
    return None


def parse_body(body: bytes, base: str, fmt: ox.RdfFormat, limits: ParseLimits,
               municipality: str | None = None) -> list[PassportDoc]:
    """The passports of a request body (:func:`registry.model.documents.read_bytes`). When the body
    cannot be split into passports and ``municipality`` is given, the :class:`DocumentError` says
    in ``foreign`` which resource of another municipality the body reaches into, if any (the
    splitter only sees such a resource as "belonging to no passport")."""
    try:
        return read_bytes(body, base, fmt, SOURCE, limits=limits)
    except LimitError:
        raise
    except DocumentError as exc:
        exc.foreign = foreign_resource(body, fmt, base, municipality) \
            if municipality and exc.line is None else None
        raise


# ---------------------------------------------------------------------------------------------
# In the server process.

class ParsePool(WorkerPool):
    """``settings.parse_workers`` processes parsing request bodies (:meth:`parse`)."""

    name = "parse worker"

    def __init__(self, settings: Settings, *, size: int | None = None) -> None:
        self.limits = ParseLimits.from_settings(settings, request=True)
        self.timeout = settings.parse_timeout
        self.crashed = 0  # workers that died on a body, for tests and monitoring
        size = settings.parse_workers if size is None else size
        self.memory_mib = settings.parse_memory_mib
        super().__init__("registry.model.parse_pool", (dataclasses.asdict(self.limits), self.memory_mib), size)

    def parse(self, body: bytes, base: str, fmt: ox.RdfFormat,
              municipality: str | None = None) -> list[PassportDoc]:
        """:func:`parse_body` in a worker (blocking: call it from a thread)."""
        seconds = self.timeout
        try:
            reply = self.call((body, base, fmt.media_type, municipality), wait=seconds, limit=seconds)
        except PoolBusy:
            raise ParseBusy(
                f"every parser was busy for {seconds:g} s; try again in a minute",
                message_nl=f"alle parsers waren {seconds:g} s bezig; probeer het over een minuut opnieuw",
                headers={"Retry-After": "60"}) from None
        except WorkerTimeout:
            raise ParseTimeout(
                f"parsing the body took longer than {seconds:g} s and was stopped; the limit is "
                f"PASSPORTS_PARSE_TIMEOUT={seconds:g}. Send fewer passports per request.",
                message_nl=f"het lezen van de body duurde langer dan {seconds:g} s en is gestopt; de "
                           f"grens is PASSPORTS_PARSE_TIMEOUT={seconds:g}. Stuur minder paspoorten per "
                           "verzoek.") from None
        except WorkerDied:
            self.crashed += 1
            memory = f"PASSPORTS_PARSE_MEMORY={self.memory_mib} MiB"
            raise ParseCrashed(
                f"the body could not be parsed: the RDF parser stopped on it (it crashed, or needed more "
                f"memory than {memory}; the body was dropped, nothing was stored). Check the syntax, "
                "e.g. with `passports validate FILE`, or send fewer passports per request.",
                message_nl=f"de body kon niet gelezen worden: de RDF-parser stopte erop (hij liep vast of "
                           f"had meer geheugen nodig dan {memory}; de body is verworpen, er is niets "
                           "opgeslagen). Controleer de syntax, bijvoorbeeld met `passports validate "
                           "BESTAND`, of stuur minder paspoorten per verzoek.") from None
        return _decode(reply, base)


def _decode(reply: tuple, base: str) -> list[PassportDoc]:
    kind, value = reply
    if kind == "docs":
        return [PassportDoc(owning_passport(base, iri), source=SOURCE,
                            quads=list(ox.parse(nquads, ox.RdfFormat.N_QUADS))) for iri, nquads in value]
    if kind == "limit":
        raise LimitError(*value["text"], status=value["status"], setting=value["setting"],
                         value=value["value"], source=SOURCE, line=value["line"])
    error = DocumentError(value["message"], message_nl=value.get("message_nl"))
    error.source, error.line, error.column, error.node = SOURCE, value["line"], value["column"], value["node"]
    error.foreign = value["foreign"]
    raise error


# ---------------------------------------------------------------------------------------------
# In the worker process.

def _memory_error(memory_mib: int) -> LimitError:
    return LimitError(
        f"parsing the body needed more than the {memory_mib} MiB a parse worker may use; the limit is "
        f"PASSPORTS_PARSE_MEMORY={memory_mib}. Send fewer passports per request.",
        f"het lezen van de body had meer nodig dan de {memory_mib} MiB die een parser mag gebruiken; de "
        f"grens is PASSPORTS_PARSE_MEMORY={memory_mib}. Stuur minder paspoorten per verzoek.",
        status=413, setting="PASSPORTS_PARSE_MEMORY", value=memory_mib, source=SOURCE)


def _handle(limits: ParseLimits, memory_mib: int, task: tuple) -> tuple:
    body, base, media_type, municipality = task
    try:
        try:
            docs = parse_body(body, base, ox.RdfFormat.from_media_type(media_type), limits, municipality)
            reply = [(doc.iri, ox.serialize(doc.quads(), format=ox.RdfFormat.N_QUADS)) for doc in docs]
        except MemoryError:
            docs = reply = None  # let go of what was built before answering
            raise _memory_error(memory_mib) from None
    except LimitError as exc:
        return "limit", {"text": exc.text, "status": exc.status, "setting": exc.setting, "value": exc.value,
                         "line": exc.line}
    except DocumentError as exc:
        return "error", {"message": str(exc), "message_nl": exc.message_nl, "line": exc.line, "column": exc.column, "node": exc.node,
                         "foreign": getattr(exc, "foreign", None)}
    except (SyntaxError, ValueError, RuntimeError, OSError) as exc:  # what pyoxigraph raises otherwise
        return "error", {"message": f"{SOURCE}: {exc}", "line": None, "column": None, "node": None,
                         "foreign": None}
    return "docs", reply




def _main(conn, limits: dict, memory_mib: int = 0) -> None:
    parse_limits = ParseLimits(**limits)
    limit_memory(memory_mib)
    conn.send(("ready", os.getpid()))
    serve_tasks(conn, lambda task: _handle(parse_limits, memory_mib, task))


if __name__ == "__main__":
    worker_entry(sys.argv[1:], _main)
