"""Demo passports written to files: RDF with ``pyoxigraph.serialize`` (``write``) and the flat
asset-register CSV municipalities hold in their GBI (``write_csv``).

Progress goes to a callback of the caller (``progress(passports_done)``), every 1,000 passports
and at the end; the command line draws a bar with it.
"""

from __future__ import annotations

import csv
import gzip
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from registry.core.settings import DEFAULT_BASE
from registry.demo.builder import Asset, DemoError
from registry.demo.emit import decimal_text
from registry.demo.planner import planner_for
from registry.demo.stream import passport_texts
from registry.model.reference import Material, Municipality, load_municipalities
from registry.model.vocab import MPV, PREFIXES

Progress = Callable[[int], None]
"""Called with the number of passports written so far."""

_ORIGIN_NL = {"primary": "primair", "secondary": "secundair (hergebruikt)", "recycled": "gerecycled",
              "biobased": "biobased", "renewable": "hernieuwbaar"}

_FORMATS = {"nq": ox.RdfFormat.N_QUADS, "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
            "ttl": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
            "ntriples": ox.RdfFormat.N_TRIPLES}


def format_for(path: str | Path, fmt: str | ox.RdfFormat | None = None) -> ox.RdfFormat:
    """The RDF format named by ``fmt``, or guessed from the file name (``.nq.gz`` -> N-Quads)."""
    if isinstance(fmt, ox.RdfFormat):
        return fmt
    name = str(fmt).lower().lstrip(".") if fmt else None
    if name is None:
        suffixes = [s.lstrip(".").lower() for s in Path(path).suffixes]
        if suffixes and suffixes[-1] == "gz":
            suffixes = suffixes[:-1]
        name = suffixes[-1] if suffixes else ""
    if name not in _FORMATS:
        raise DemoError(f"unknown RDF format {name!r} for {path}: use one of "
                        f"{', '.join(sorted(set(_FORMATS)))} (or a file name ending in "
                        ".nq, .trig, .ttl or .nt, optionally followed by .gz)",
                        message_nl=f"onbekend RDF-formaat {name!r} voor {path}: kies uit "
                        f"{', '.join(sorted(set(_FORMATS)))} (of een bestandsnaam die eindigt op "
                        ".nq, .trig, .ttl of .nt, eventueel gevolgd door .gz)")
    return _FORMATS[name]


def _open_binary(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "wb", compresslevel=5)
    return open(path, "wb")


@dataclass
class WriteStats:
    """What a write produced: passports, and records (RDF statements, or CSV rows)."""

    path: Path
    passports: int
    records: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.passports / self.seconds if self.seconds else 0.0


def write(path: str | Path, size: int, seed: int = 42, base: str = DEFAULT_BASE,
          fmt: str | ox.RdfFormat | None = None, municipalities=None,
          progress: Progress | None = None, parallel: bool | None = None) -> WriteStats:
    """Write ``size`` demo passports to ``path`` with ``pyoxigraph.serialize``.

    N-Quads and TriG put every passport in its own named graph (graph name = passport IRI);
    Turtle and N-Triples write all triples into one graph. ``.gz`` compresses. ``progress`` is
    called with the passports written so far, every 1,000 and at the end.
    """
    path = Path(path)
    rdf_format = format_for(path, fmt)
    quads = rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
    if not base.endswith("/"):
        base += "/"
    counts = [0, 0]
    started = time.perf_counter()

    with _open_binary(path) as fh:

        def statements() -> Iterator:
            parse = ox.parse
            parse_format = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
            n = 0
            for _, text in passport_texts(size, seed, base, municipalities, quads, parallel):
                terms = list(parse(text, parse_format, lenient=True))
                if not quads:
                    terms = [q.triple for q in terms]
                yield from terms
                counts[1] += len(terms)
                n += 1
                if progress is not None and (n % 1000 == 0 or n == size):
                    progress(n)
            counts[0] = n

        prefixes = None
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            prefixes = {**PREFIXES, **{scheme: f"{MPV}{scheme}/" for scheme in _TURTLE_SCHEMES}}
        ox.serialize(statements(), fh, rdf_format, prefixes=prefixes)
    return WriteStats(path, counts[0], counts[1], time.perf_counter() - started)


_TURTLE_SCHEMES = ("municipality", "organisation", "phase", "policyangle", "rstrategy", "condition",
                   "releasequality", "material", "dataquality", "origin", "materialphase",
                   "valuationmethod", "connectiontype", "accessibility", "intersection",
                   "productedge")

CSV_COLUMNS = ("bron_id", "sleutel", "gemeentecode", "gemeente", "objecttype", "omschrijving",
               "straat", "onderdeel_code", "onderdeel", "bovenliggend_onderdeel", "materiaal",
               "materiaal_code", "hoeveelheid", "eenheid", "m3_per_eenheid", "herkomst",
               "gerecycled_aandeel", "verbinding", "losmaakbaarheidsindex", "aanlegjaar", "conditie",
               "projectfase", "r_strategie", "verwacht_vrijkomen", "x", "y", "crs", "waarde_eur",
               "waardepeildatum")


def _csv_rows(a: Asset, municipalities: dict[str, Municipality],
              materials: dict[str, Material]) -> Iterator[list]:
    m = municipalities[a.gm]
    year, _, amount = a.valuations[-1]
    common_head = [f"{a.kind.code}-{a.number:06d}", a.key, a.gm, m.name, a.noun_nl,
                   f"{a.noun_nl} {a.street}", a.street]
    if a.rd:
        x, y, crs = f"{a.x:.2f}", f"{a.y:.2f}", "EPSG:28992"
    else:
        x, y, crs = f"{a.lon:.6f}", f"{a.lat:.6f}", "EPSG:4326"
    common_tail = [a.year, a.condition if a.condition is not None else "", a.phase, a.strategy,
                   f"{a.release_year}-{a.release_month:02d}", x, y, crs, f"{amount:.2f}", f"{year}-01-01"]
    for parent, p in a.flat:
        for am in p.amounts:
            yield common_head + [
                p.slug, p.nl, parent.slug if parent else "", materials[am.material].name_nl,
                am.material, decimal_text(am.value), am.unit, f"{am.factor:.4g}" if am.factor else "",
                _ORIGIN_NL[am.origin],
                "" if am.recycled is None else f"{am.recycled:.2f}",
                p.factors[0][1] if p.factors else "", f"{p.index:.2f}" if p.factors else ""] + common_tail


def write_csv(path: str | Path, size: int, seed: int = 42, municipalities=None,
              progress: Progress | None = None) -> WriteStats:
    """Write the same objects as ``generate(size, seed)`` as a flat asset-register CSV.

    One row per material quantity, with the quantity as the register records it (m3, m2, m, st,
    kg or t, before any conversion to mass), Dutch column names and Dutch material names,
    comma-separated, UTF-8, '.' as decimal separator. Gzip when the path ends in ``.gz``.
    ``progress`` is called with the passports written so far, every 1,000 and at the end.
    """
    path = Path(path)
    started = time.perf_counter()
    rows = 0
    n = 0
    known = load_municipalities()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        planner = planner_for(seed, municipalities)
        materials = planner.materials
        for asset in planner.assets(size):
            for row in _csv_rows(asset, known, materials):
                w.writerow(row)
                rows += 1
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(n)
    if progress is not None:
        progress(n)
    return WriteStats(path, n, rows, time.perf_counter() - started)
