"""``POST /api/v1/valuations/{GMxxxx}?date=2026-12-31[&price_list=IRI][&dry_run=true]``: value the
current passports of a municipality, as ``passports valuate --municipality`` (docs/valuation.md).

Only a write token of that municipality may: 401 without a valid token, 403 with another
municipality's token. A date that is not a date, or a price list that does not exist or is not
valid, is 422 with the field named (``{"detail": ..., "field": "date"}``). The answer is the run's
result as JSON: records created (IRI, passport, version, amount), unchanged, the activity. Runs are
serialised with the other writes by the write API's lock.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from registry.core.phrases import Wording
from registry.model.uris import MUNICIPALITY_PATTERN
from registry.model.vocab import MPV
from registry.store.price_lists import ValuationError
from registry.store.valuations import valuate
from registry.web.deps import TokenMunicipality, write_locks
from registry.web.errors import Refusal

WORDS = Wording({
    "other": ("this token writes for {allowed}, not for {municipality}",
              "dit token schrijft voor {allowed}, niet voor {municipality}"),
    "date": ("date: {value!r} is not a date like 2026-12-31", "date: {value!r} is geen datum zoals 2026-12-31"),
})
router = APIRouter(prefix="/api/v1", tags=["valuation / waardering"])


@router.post(
    "/valuations/{municipality}", response_model=None,
    summary="Value a municipality's passports on a date / De paspoorten van een gemeente waarderen",
    responses={200: {"description": "the valuation ran: records created and unchanged in the body"},
               401: {"description": "no or an invalid write token"},
               403: {"description": "the token belongs to another municipality"},
               422: {"description": "a bad date or an unknown price list; 'field' names which"}},
)
async def post_valuation(
    request: Request,
    token_municipality: TokenMunicipality,
    municipality: str = Path(..., pattern=f"^{MUNICIPALITY_PATTERN}$", description="CBS code, e.g. GM0153"),
    on: str = Query(..., alias="date", description="valuation date, e.g. 2026-12-31"),
    price_list: str | None = Query(None, description="IRI of a price-list version (default: the newest "
                                                     "valid on the date)"),
    dry_run: bool = Query(False, description="compute and report; write nothing"),
) -> JSONResponse:
    if municipality != token_municipality:
        raise Refusal(403, WORDS.both("other", allowed=token_municipality, municipality=municipality))
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise Refusal(422, WORDS.both("date", value=on), field="date") from None
    registry = request.app.state.registry
    token = getattr(request.state, "token", None)

    def work():
        return valuate(registry, day, municipality=municipality, price_list=price_list, dry_run=dry_run,
                       agent=f"{MPV}municipality/{municipality}")

    write_lock, dry_run_lock = write_locks(request)
    async with (dry_run_lock if dry_run else write_lock):
        try:
            report = await run_in_threadpool(work)
        except ValuationError as exc:
            raise Refusal(422, exc, field="price_list") from exc
    payload = report.as_dict()
    payload["token"] = token.id if token else None
    return JSONResponse(payload)
