"""``POST /api/v1/imports?mapping=NAME``: a municipality uploads an asset-register export.

The body is the file itself (``Content-Type: text/csv``, the XLSX media type or
``application/geo+json``; ``?filename=`` may name it) or a ``multipart/form-data`` form with the file
in the field ``file``. Only the shipped mappings (``importers/mappings/NAME.yaml``) can be named: a
request never points the server at a path. The token's municipality is the one imported for, and
coordinates are always checked against its extent.

Query parameters: ``dry_run``, ``all_or_nothing``, ``retire_missing``, ``export_date`` (as the CLI).
The answer is the import result as JSON (counts, how the file was read, the first 200 problems),
or, with ``Accept: text/csv``, the full per-row report. Status: 200 when the import ran (rows with
problems are listed and not stored); 422 when ``all_or_nothing`` refused the file; 400 for a file
or mapping that cannot be used; 404 unknown mapping; 401 no or bad token; 411/413 size; 413 (or 422
for a forbidden construct such as a DTD) when the file exceeds an import limit
(``importers.limits``: the JSON answer names it in ``limit`` and ``limit_value``).

The upload is spooled to a temporary file (the importer streams from disk); imports and other
writes are serialised by the write API's lock, dry runs by its dry-run lock.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from importers.mapping import MAPPINGS_DIR, NAME_PATTERN, available
from importers.pipeline import import_file
from registry.core.phrases import Wording
from registry.model.vocab import MPV
from registry.web.body import copy_body, declared_length
from registry.web.deps import TokenMunicipality, write_locks
from registry.web.errors import Refusal

WORDS = Wording({
    "too_large": (("the upload is larger than {limit} bytes; split the export or ask the administrator to raise "
                  "PASSPORTS_MAX_IMPORT"),
                  ("het bestand is groter dan {limit} bytes; splits de export of vraag de beheerder "
                  "PASSPORTS_MAX_IMPORT te verhogen")),
    "length": ("send Content-Length with a multipart upload (or send the file as the body)",
               "stuur Content-Length mee met een multipart-upload (of stuur het bestand als de inhoud)"),
    "no_file": ("the multipart form has no file in the field 'file'",
                "het multipart-formulier heeft geen bestand in het veld 'file'"),
    "mapping": ("no mapping {mapping!r}; available: {available}",
                "geen koppeling {mapping!r}; beschikbaar: {available}"),
    "date": ("export_date {value!r} is not a date like 2026-03-01",
             "export_date {value!r} is geen datum zoals 2026-03-01"),
    "empty": ("the upload is empty", "het bestand is leeg"),
})
router = APIRouter(prefix="/api/v1", tags=["import / importeren"])

SUFFIXES = {
    "text/csv": ".csv", "application/csv": ".csv", "text/plain": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/geo+json": ".geojson", "application/json": ".geojson",
}


def _suffix(filename: str | None, content_type: str) -> str:
    if filename:
        suffix = Path(filename).suffix.lower()
        if suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json"):
            return suffix
    return SUFFIXES.get(content_type, "")  # "" -> the importer sniffs the bytes


async def _spool(request: Request, target: Path, limit: int) -> str | None:
    """Write the upload to ``target``; the file name the client gave, if any."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    too_large = Refusal(413, WORDS.both("too_large", limit=limit))
    length = declared_length(request)
    if length is not None and length > limit:
        raise too_large
    if content_type == "multipart/form-data":
        if length is None:
            raise Refusal(411, WORDS.both("length"))
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Refusal(400, WORDS.both("no_file"))
        size = 0
        with open(target, "wb") as out:  # noqa: ASYNC230 - a local temp file, 1 MiB writes
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise too_large
                out.write(chunk)
        await form.close()
        return upload.filename
    with open(target, "wb") as out:  # noqa: ASYNC230 - a local temp file, small writes
        await copy_body(request, out, limit, too_large)
    return None


@router.post(
    "/imports", response_model=None,
    summary="Import an asset-register export / Een export uit het beheersysteem importeren",
    responses={200: {"description": "the import ran; counts and problems in the body"},
               400: {"description": "the file cannot be read, or the mapping does not fit it"},
               404: {"description": "no shipped mapping with that name"},
               411: {"description": "a multipart upload without Content-Length"},
               413: {"description": "the upload, or what it holds, exceeds a configured limit (named in "
                                     "the answer)"},
               422: {"description": "all_or_nothing: the file has problems, nothing was stored; or the "
                                     "file holds a forbidden construct (a DTD in an XLSX part)"}},
)
async def post_import(
    request: Request,
    municipality: TokenMunicipality,
    mapping: str = Query(..., description="name of a shipped mapping, e.g. imbor-openbare-ruimte"),
    dry_run: bool = Query(False, description="read, map and validate; write nothing"),
    all_or_nothing: bool = Query(False, description="store nothing unless every row is valid"),
    retire_missing: bool = Query(False, description="retire this source's passports absent from the file"),
    export_date: str | None = Query(None, description="date of the export (default today)"),
    filename: str | None = Query(None, description="the file's name, to tell its format"),
) -> Response:
    if not re.fullmatch(NAME_PATTERN, mapping) or not (MAPPINGS_DIR / f"{mapping}.yaml").is_file():
        raise Refusal(404, WORDS.both("mapping", mapping=mapping, available=", ".join(available())))
    if export_date is not None:
        try:
            date.fromisoformat(export_date)
        except ValueError:
            raise Refusal(400, WORDS.both("date", value=export_date))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(prefix="passports-import-") as scratch:
        raw = Path(scratch) / "upload"
        given = await _spool(request, raw, request.app.state.settings.max_import_bytes)
        name = given or filename or "upload"
        path = raw.with_name("upload" + _suffix(name, content_type))
        raw.rename(path)
        if path.stat().st_size == 0:
            raise Refusal(400, WORDS.both("empty"))
        report = Path(scratch) / "report.csv"
        registry = request.app.state.registry
        token = getattr(request.state, "token", None)

        def work():
            return import_file(
                registry, path, municipality, mapping, dry_run=dry_run, report_path=report,
                all_or_nothing=all_or_nothing, retire_missing=retire_missing, export_date=export_date,
                agent=f"{MPV}municipality/{municipality}", source=f"urn:upload:{uuid.uuid4()}",
                comment=f"POST /api/v1/imports?mapping={mapping} ({name})"
                        + (f" (token {token.id})" if token else ""),
                display_name=name)

        write_lock, dry_run_lock = write_locks(request)
        # ImportFailed is a RegistryError: the app's one handler answers it with its status (400, or
        # 413/422 for a limit, named in the JSON answer); nothing was written.
        async with (dry_run_lock if dry_run else write_lock):
            result = await run_in_threadpool(work)
        status = 422 if result.stored_nothing else 200
        if "text/csv" in request.headers.get("accept", ""):
            body = report.read_bytes()
            return Response(body, status_code=status, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="import-report.csv"'})
        payload = result.as_dict()
        payload.pop("report_path", None)
        return JSONResponse(payload, status_code=status)

