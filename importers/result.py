"""What an import did: :class:`ImportResult` (the CLI's summary, the API's JSON answer) and
:class:`ImportFailed` (the import could not start; nothing was written)."""

from __future__ import annotations

from dataclasses import dataclass, field

from importers.report import RowIssue
from registry.core.errors import RegistryError


class ImportFailed(RegistryError, ValueError):
    """The import could not start (or the whole file is unreadable); nothing was written.

    Made from the error that stopped it (:meth:`of`), it keeps that error's status (400, or 413
    and 422 for a limit), Dutch message and ``extra`` (the limit and its value, for the API)."""

    def __init__(self, message: str = "", *, message_nl: str | None = None, status: int | None = None,
                 extra: dict | None = None):
        super().__init__(message, message_nl=message_nl, status=status)
        self.extra = dict(extra or {})

    @classmethod
    def of(cls, error: RegistryError, path: str = "", shown: str | None = None) -> ImportFailed:
        """``error`` as an ImportFailed; ``path`` replaced by the name the user gave (``shown``)."""
        def named(text: str) -> str:
            return text.replace(path, shown) if shown and path else text
        return cls(named(error.message_en), message_nl=named(error.message_nl), status=error.status,
                   extra=getattr(error, "extra", None))


@dataclass
class ImportResult:
    file: str
    mapping: str
    source_kind: str
    municipality: str
    format: str = ""
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    all_or_nothing: bool = False
    rows_read: int = 0
    rows_empty: int = 0
    rows_other_municipality: int = 0
    rows_rejected: int = 0
    objects: int = 0  # objects (row groups) in the file that were mapped to a passport
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # objects not stored: mapping problems, duplicate IDs or SHACL violations
    with_warnings: int = 0
    retired: list[str] = field(default_factory=list)
    stored_nothing: bool = False
    activity: str | None = None  # the (first) prov:Activity that wrote; one per PART passports
    activities: list[str] = field(default_factory=list)
    report_path: str | None = None
    issues: list[RowIssue] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)  # IRIs of the passports in the store after the import
    problem_counts: dict[str, int] = field(default_factory=dict)
    severity_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.rows_rejected and not self.stored_nothing

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("issues", "stored")}
        data["issues"] = [i.as_dict() for i in self.issues]
        data["ok"] = self.ok
        return data
