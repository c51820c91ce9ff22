"""The budget each client shares over the anonymous endpoints that do real work: ``/sparql``,
``/query/*``, the change feed ``/feed/*``, ``/api/v1/validate`` and the full-data downloads
(``/table/*.csv``, ``/search.csv``, ``/dumps/*``).

A client is an address (:func:`registry.web.clients.client_id`: the socket's peer unless a trusted
proxy is configured). Each client has four budgets, every one a setting (0 or less turns it off):

- requests a minute (``PASSPORTS_RATE_LIMIT``): a token bucket of that many requests that
  refills continuously; a request takes one token when it is admitted;
- seconds of work a minute (``PASSPORTS_BUDGET_SECONDS``): the time a query worker or the
  validator spent on the client's requests, charged when the work is done;
- bytes a minute (``PASSPORTS_BUDGET_BYTES``): request and response bodies of these paths as they
  pass (:class:`ByteMeter`, an ASGI middleware), so a refused request's bytes count too;
- requests in flight at once (``PASSPORTS_CLIENT_CONCURRENCY``).

Seconds and bytes are only known afterwards, so those buckets may go below zero: a request is
admitted while both are above zero, and a client in debt waits until the refill has paid it off.
Every refusal is checked before any work is done: 429 with ``Retry-After`` (whole seconds until
the bucket allows the next request) and a message that names the budget, its value and its
setting. The state is one small record per client; a client whose buckets are full and who has
nothing in flight carries no information and is forgotten first when there are too many.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from registry.core.errors import RegistryError
from registry.core.settings import Settings
from registry.web.clients import client_id, scope_client_id
from registry.web.errors import ProtocolError

ENDPOINTS = "/sparql, /query/, /feed/, /api/v1/validate and the downloads (/table/, /search.csv, /dumps/)"
ENDPOINTS_NL = "/sparql, /query/, /feed/, /api/v1/validate en de downloads (/table/, /search.csv, /dumps/)"
# The paths whose bodies count against the byte budget (the same as the admitted requests).
METERED = ("/sparql", "/query/", "/api/v1/validate", "/feed/", "/table/", "/search.csv", "/dumps/")


class BudgetSpent(ProtocolError):
    """429: one of the client's budgets is spent; ``budget`` says which."""

    def __init__(self, budget: str, wait: float, message_en: str, message_nl: str) -> None:
        retry = str(max(1, math.ceil(wait)))
        super().__init__(429, message_en.replace("{retry}", retry), {"Retry-After": retry})
        self.message_nl = message_nl.replace("{retry}", retry)
        self.budget = budget


@dataclass
class _Client:
    requests: float
    seconds: float
    bytes: float
    updated: float
    in_flight: int = 0


class Ticket:
    """An admitted request: charge its work with :meth:`work`; leaving the ``with`` releases it."""

    def __init__(self, budget: ClientBudget, client: str, record: _Client, alone: bool) -> None:
        self.budget, self.client, self._record = budget, client, record
        self.alone = alone  # nothing else of this client was in flight when it was admitted

    def work(self, seconds: float) -> None:
        self.budget._charge(self._record, seconds=max(0.0, seconds))


class ClientBudget:
    """The budgets of every client of one app (thread-safe: queries wait in worker threads)."""

    def __init__(self, settings: Settings, *, max_clients: int = 100_000, clock=time.monotonic) -> None:
        self.requests_per_minute = int(settings.rate_limit_per_minute)
        self.seconds_per_minute = float(settings.budget_seconds_per_minute)
        self.bytes_per_minute = int(settings.budget_bytes_per_minute)
        self.concurrency = int(settings.client_concurrency)
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max_clients = max_clients

    # -- admission -------------------------------------------------------------------------------
    @contextmanager
    def admit(self, client: str):
        """Admit one request of ``client`` (a :class:`Ticket`) or raise :class:`BudgetSpent`."""
        with self._lock:
            record = self._refilled(client)
            self._check(client, record)
            if self.requests_per_minute > 0:
                record.requests -= 1.0
            record.in_flight += 1
            ticket = Ticket(self, client, record, alone=record.in_flight == 1)
        try:
            yield ticket
        finally:
            with self._lock:
                record.in_flight -= 1

    def _check(self, client: str, record: _Client) -> None:
        if self.concurrency > 0 and record.in_flight >= self.concurrency:
            raise BudgetSpent(
                "concurrency", 1,
                f"{client} already has {record.in_flight} request(s) running on {ENDPOINTS}; at most "
                f"{self.concurrency} at once (PASSPORTS_CLIENT_CONCURRENCY). Wait for an answer before "
                "sending the next request (try again in {retry} s)",
                f"{client} heeft al {record.in_flight} verzoek(en) lopen op {ENDPOINTS_NL}; hooguit "
                f"{self.concurrency} tegelijk (PASSPORTS_CLIENT_CONCURRENCY). Wacht op een antwoord voor "
                "u het volgende verzoek stuurt (probeer het over {retry} s opnieuw)")
        if self.seconds_per_minute > 0 and record.seconds <= 0:
            raise BudgetSpent(
                "seconds", -record.seconds / (self.seconds_per_minute / 60) + 0.01,
                f"{client} has used its {self.seconds_per_minute:g} s of work a minute on {ENDPOINTS} "
                "(PASSPORTS_BUDGET_SECONDS). Try again in {retry} s, and make queries cheaper (LIMIT, "
                "narrower patterns) or validate smaller files",
                f"{client} heeft zijn {self.seconds_per_minute:g} s rekentijd per minuut op {ENDPOINTS_NL} "
                "opgebruikt (PASSPORTS_BUDGET_SECONDS). Probeer het over {retry} s opnieuw, en maak "
                "query's goedkoper (LIMIT, nauwere patronen) of controleer kleinere bestanden")
        if self.bytes_per_minute > 0 and record.bytes <= 0:
            raise BudgetSpent(
                "bytes", -record.bytes / (self.bytes_per_minute / 60) + 0.01,
                f"{client} has sent and received its {self.bytes_per_minute} bytes a minute on "
                f"{ENDPOINTS} (PASSPORTS_BUDGET_BYTES). Try again in {{retry}} s, and ask for smaller "
                "results (LIMIT, fewer variables) or send smaller bodies",
                f"{client} heeft zijn {self.bytes_per_minute} bytes per minuut op {ENDPOINTS_NL} verstuurd "
                "en ontvangen (PASSPORTS_BUDGET_BYTES). Probeer het over {retry} s opnieuw, en vraag om "
                "kleinere resultaten (LIMIT, minder variabelen) of stuur kleinere bestanden")
        if self.requests_per_minute > 0 and record.requests < 1:
            raise BudgetSpent(
                "requests", (1 - record.requests) / (self.requests_per_minute / 60),
                f"too many requests from {client}: the limit is {self.requests_per_minute} a minute on "
                f"{ENDPOINTS} together (PASSPORTS_RATE_LIMIT). Try again in {{retry}} s",
                f"te veel verzoeken van {client}: de grens is {self.requests_per_minute} per minuut op "
                f"{ENDPOINTS_NL} samen (PASSPORTS_RATE_LIMIT). Probeer het over {{retry}} s opnieuw")

    # -- charging --------------------------------------------------------------------------------
    def charge_bytes(self, client: str, size: int) -> None:
        if self.bytes_per_minute > 0 and size:
            with self._lock:
                self._refilled(client).bytes -= size

    def _charge(self, record: _Client, *, seconds: float) -> None:
        if self.seconds_per_minute > 0 and seconds:
            with self._lock:
                record.seconds -= seconds

    def __len__(self) -> int:
        """How many clients are remembered."""
        with self._lock:
            return len(self._clients)

    def state(self, client: str) -> dict[str, float]:
        """What is left of each budget of ``client`` (for tests and monitoring)."""
        with self._lock:
            record = self._refilled(client)
            return {"requests": record.requests, "seconds": record.seconds, "bytes": record.bytes,
                    "in_flight": record.in_flight}

    # -- bookkeeping (under the lock) ------------------------------------------------------------
    def _full(self) -> tuple[float, float, float]:
        return (float(max(self.requests_per_minute, 0)), max(self.seconds_per_minute, 0.0),
                float(max(self.bytes_per_minute, 0)))

    def _refilled(self, client: str) -> _Client:
        now = self._clock()
        record = self._clients.get(client)
        full_requests, full_seconds, full_bytes = self._full()
        if record is None:
            if len(self._clients) >= self._max_clients:
                self._forget(now)
            record = self._clients[client] = _Client(full_requests, full_seconds, full_bytes, now)
            return record
        minutes = (now - record.updated) / 60.0
        record.requests = min(full_requests, record.requests + minutes * full_requests)
        record.seconds = min(full_seconds, record.seconds + minutes * full_seconds)
        record.bytes = min(full_bytes, record.bytes + minutes * full_bytes)
        record.updated = now
        return record

    def _forget(self, now: float) -> None:
        """Drop the clients that carry no information (idle, buckets full again), else the idle
        ones that were seen longest ago, down to half the maximum."""
        idle = [(record.updated, client) for client, record in self._clients.items() if not record.in_flight]
        for updated, client in idle:
            if now - updated >= 60.0:
                del self._clients[client]
        if len(self._clients) >= self._max_clients:
            idle = sorted((u, c) for u, c in idle if c in self._clients)
            for _, client in idle[: max(1, len(self._clients) - self._max_clients // 2)]:
                del self._clients[client]


def client_budget(app) -> ClientBudget:
    """The app's :class:`ClientBudget` (made on first use)."""
    budget = getattr(app.state, "client_budget", None)
    if budget is None:
        budget = app.state.client_budget = ClientBudget(app.state.settings)
    return budget


@contextmanager
def admitted(request):
    """``with admitted(request) as ticket:`` around the work of one budgeted request."""
    with client_budget(request.app).admit(client_id(request)) as ticket:
        yield ticket


@contextmanager
def admitted_and_timed(request):
    """:func:`admitted`, with the time spent inside charged as the request's work (a download
    made in this process rather than by a query worker)."""
    with admitted(request) as ticket, _timed(ticket):
        yield ticket


class ValidatorBusy(RegistryError):
    """503: every dry-run slot of the server stayed taken while the request waited."""

    status = 503


@asynccontextmanager
async def validation_slot(request, ticket: Ticket | None = None):
    """One of the server's ``PASSPORTS_VALIDATE_CONCURRENCY`` dry-run slots (0: no limit), for
    parsing and validating an untrusted body: what takes memory is the parsed graph, so at most
    that many are in memory at once, whoever sends them. A request waits for a slot at most
    ``PASSPORTS_QUERY_TIMEOUT`` seconds (as a query waits for a worker), then 503. The time the
    request holds the slot is charged to ``ticket`` as work."""
    settings = request.app.state.settings
    if settings.validate_concurrency <= 0:
        with _timed(ticket):
            yield
        return
    state = request.app.state
    slots = getattr(state, "validation_slots", None)
    if slots is None:
        slots = state.validation_slots = asyncio.Semaphore(settings.validate_concurrency)
    wait = float(settings.query_timeout)
    try:
        await asyncio.wait_for(slots.acquire(), timeout=wait)
    except TimeoutError:
        retry = str(max(1, math.ceil(wait)))
        raise ValidatorBusy(
            f"the server is validating {settings.validate_concurrency} other request(s), as many as it "
            f"does at once (PASSPORTS_VALIDATE_CONCURRENCY), and none finished within {wait:g} s. "
            f"Try again in {retry} s",
            message_nl=f"de server controleert al {settings.validate_concurrency} ander(e) verzoek(en), "
                       "zoveel als hij tegelijk doet (PASSPORTS_VALIDATE_CONCURRENCY), en geen daarvan "
                       f"was binnen {wait:g} s klaar. Probeer het over {retry} s opnieuw",
            headers={"Retry-After": retry}) from None
    try:
        with _timed(ticket):
            yield
    finally:
        slots.release()


@contextmanager
def _timed(ticket: Ticket | None):
    started = time.perf_counter()
    try:
        yield
    finally:
        if ticket is not None:
            ticket.work(time.perf_counter() - started)


class ByteMeter:
    """ASGI middleware: the request and response bodies of :data:`METERED` paths count against
    their client's byte budget as they pass (the refusal comes at the client's next request)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(METERED):
            await self.app(scope, receive, send)
            return
        budget = client_budget(scope["app"])  # Starlette sets it before its middleware runs
        client = scope_client_id(scope)

        async def counting_receive():
            message = await receive()
            if message["type"] == "http.request":
                budget.charge_bytes(client, len(message.get("body", b"")))
            return message

        async def counting_send(message):
            if message["type"] == "http.response.body":
                budget.charge_bytes(client, len(message.get("body", b"")))
            await send(message)

        await self.app(scope, counting_receive, counting_send)
