"""What a site build did: per task (:class:`TaskResult`, sent back by the worker processes) and
in all (:class:`BuildReport`, returned by :func:`registry.static_site.builder.build_site`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BuildReport:
    pages_written: int = 0
    pages_unchanged: int = 0
    rdf_files: int = 0
    passports_built: int = 0
    passports_unchanged: int = 0
    passports_elsewhere: int = 0  # harvested from other registries: their own sites publish them
    versions_built: int = 0
    dumps_written: bool = False
    seconds: float = 0.0
    passport_seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process and its worker processes, user + system
    workers: int = 1
    errors: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        """HTML pages written per second of the whole build."""
        return self.pages_written / self.seconds if self.seconds else 0.0

    @property
    def files_per_second(self) -> float:
        """HTML pages and RDF files written per second of the whole build."""
        return (self.pages_written + self.rdf_files) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"pages_written": self.pages_written, "pages_unchanged": self.pages_unchanged,
                "rdf_files": self.rdf_files, "passports_built": self.passports_built,
                "passports_unchanged": self.passports_unchanged,
                "passports_elsewhere": self.passports_elsewhere, "versions_built": self.versions_built,
                "dumps_written": self.dumps_written, "seconds": round(self.seconds, 3),
                "passport_seconds": round(self.passport_seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3), "workers": self.workers,
                "pages_per_second": round(self.pages_per_second, 1),
                "files_per_second": round(self.files_per_second, 1)}


@dataclass
class TaskResult:
    """What one task wrote, for the report and the manifest of the main process."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (iri, fingerprint, page file)
    pages: int = 0  # HTML pages written
    pages_unchanged: int = 0
    rdf_files: int = 0
    versions: int = 0
    predecessors: list[str] = field(default_factory=list)
    files: list[tuple[str, str, int]] = field(default_factory=list)  # aggregate files written
    seen: list[str] = field(default_factory=list)  # aggregate files of this task, written or not
    dump: bytes = b""  # gzip member: N-Quads of the stored graphs of the passports built
    dump_quads: int = 0
    overview: int = 0  # overview tasks done (progress)
