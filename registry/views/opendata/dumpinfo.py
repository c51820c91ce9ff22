"""What the catalog, the downloads page and ``dumps/manifest.json`` say about each dump: name,
kind, media type, size, SHA-256 and modification date. The files themselves are written by
:mod:`registry.static_site.dumps` and :mod:`registry.static_site.opendata_dumps`; this module only
describes them (the catalog is a view and cannot import the jobs layer)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from registry.model.vocab import MPV

MANIFEST = "dumps/manifest.json"
N_QUADS, TURTLE = "application/n-quads", "text/turtle"
GZIP = "application/gzip"

# kind of a dump -> (English, Dutch) description, in the order of the downloads page
KINDS = {
    "registry": ("Current passports, provenance and reference data (N-Quads, one graph per passport)",
                 "Actuele paspoorten, herkomst en referentiegegevens (N-Quads, één graaf per paspoort)"),
    "history": ("Every superseded passport version (N-Quads)", "Elke vervangen paspoortversie (N-Quads)"),
    "reference": ("Reference data: ontology, SKOS schemes, municipalities (N-Quads)",
                  "Referentiegegevens: ontologie, SKOS-schema's, gemeenten (N-Quads)"),
    "municipality": ("Current passports of one municipality (Turtle)",
                     "Actuele paspoorten van één gemeente (Turtle)"),
}


@dataclass(frozen=True)
class DumpFile:
    """One dump under ``dumps/``: ``path`` relative to the site root, ``municipality`` the CBS
    code of a per-municipality dump ("" otherwise)."""

    name: str
    path: str
    kind: str
    media_type: str
    size: int
    sha256: str
    modified: str  # ISO 8601 date and time (UTC), when the file was written
    municipality: str = ""

    def describe(self, lang: str) -> str:
        en, nl = KINDS.get(self.kind, (self.kind, self.kind))
        return nl if lang == "nl" else en

    @property
    def municipality_iri(self) -> str:
        return f"{MPV}municipality/{self.municipality}" if self.municipality else ""

    @property
    def megabytes(self) -> str:
        return f"{self.size / 2**20:.2f} MB" if self.size >= 2**14 else f"{self.size / 2**10:.1f} kB"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(root: Path, rel: str, kind: str, media_type: str, municipality: str = "") -> DumpFile:
    """The :class:`DumpFile` of the file ``root/rel`` as it is on disk."""
    path = root / rel
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return DumpFile(path.name, rel, kind, media_type, stat.st_size, sha256_of(path), modified, municipality)


def write_manifest(root: Path, files: list[DumpFile], generation: str, feed: dict | None = None) -> None:
    """``dumps/manifest.json``: the machine-readable list of the dumps (written beside, then moved);
    ``feed``: the position of the change feed the dumps hold (``views.feed.feed_position``)."""
    target = root / MANIFEST
    body = {"generation": generation, "files": [asdict(f) for f in files]}
    if feed:
        body["feed"] = feed
    partial = target.with_suffix(".partial")
    partial.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(target)


def read_manifest(root: Path) -> tuple[str, list[DumpFile]]:
    """(generation, files) of ``dumps/manifest.json`` under ``root``; ("", []) when there is none."""
    try:
        body = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return str(body["generation"]), [DumpFile(**entry) for entry in body["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return "", []
