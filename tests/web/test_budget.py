"""The per-client budget on its own, with a clock the test moves: refill, debt, Retry-After,
requests in flight, forgetting clients."""

from __future__ import annotations

import pytest

from registry.core.settings import Settings
from registry.web.budget import BudgetSpent, ClientBudget
from registry.web.clients import server_options


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def budget(clock=None, **limits) -> ClientBudget:
    values = {"rate_limit_per_minute": 0, "budget_seconds_per_minute": 0, "budget_bytes_per_minute": 0,
              "client_concurrency": 0, **limits}
    return ClientBudget(Settings(data_dir="unused", **values), clock=clock or Clock())


def spend(b: ClientBudget, client: str = "a", seconds: float = 0.0) -> None:
    with b.admit(client) as ticket:
        ticket.work(seconds)


def test_requests_refill_continuously():
    clock = Clock()
    b = budget(clock, rate_limit_per_minute=60)
    for _ in range(60):
        spend(b)
    with pytest.raises(BudgetSpent) as spent:
        spend(b)
    assert spent.value.status == 429 and spent.value.budget == "requests"
    assert spent.value.headers["Retry-After"] == "1" and "PASSPORTS_RATE_LIMIT" in str(spent.value)
    assert "PASSPORTS_RATE_LIMIT" in spent.value.message("nl") and "per minuut" in spent.value.message("nl")
    clock.now += 1.0
    spend(b)  # one a second comes back
    spend(b, "b")  # another client has its own bucket


def test_seconds_may_go_into_debt_and_are_paid_back_by_the_refill():
    clock = Clock()
    b = budget(clock, budget_seconds_per_minute=6)
    spend(b, seconds=10)  # admitted with 6 s left, leaves 4 s of debt
    with pytest.raises(BudgetSpent) as spent:
        spend(b)
    assert spent.value.budget == "seconds" and "6 s of work a minute" in str(spent.value)
    assert spent.value.headers["Retry-After"] == "41"  # 4 s of debt at 0.1 s a second (+ a little)
    clock.now += 40.5
    spend(b)


def test_bytes_are_charged_as_they_pass():
    clock = Clock()
    b = budget(clock, budget_bytes_per_minute=1000)
    b.charge_bytes("a", 1500)
    with pytest.raises(BudgetSpent) as spent:
        spend(b)
    assert spent.value.budget == "bytes" and "PASSPORTS_BUDGET_BYTES" in str(spent.value)
    assert spent.value.headers["Retry-After"] == "31"
    clock.now += 31
    spend(b)


def test_requests_in_flight_are_released_also_on_errors():
    b = budget(client_concurrency=2)
    with b.admit("a") as first:
        assert first.alone
        with b.admit("a") as second:
            assert not second.alone
            with pytest.raises(BudgetSpent) as spent:
                spend(b)
            assert spent.value.budget == "concurrency" and "at most 2 at once" in str(spent.value)
            spend(b, "b")
    with pytest.raises(RuntimeError), b.admit("a"):
        raise RuntimeError("the work failed")
    assert b.state("a")["in_flight"] == 0


def test_a_refused_request_takes_no_token():
    b = budget(rate_limit_per_minute=5, client_concurrency=1)
    with b.admit("a"):
        for _ in range(10):
            with pytest.raises(BudgetSpent):
                spend(b)
    assert b.state("a")["requests"] == pytest.approx(4.0, abs=0.01)


def test_clients_are_forgotten_when_there_are_too_many():
    clock = Clock()
    b = ClientBudget(Settings(data_dir="unused", rate_limit_per_minute=10), clock=clock, max_clients=100)
    for i in range(1000):
        clock.now += 0.01
        spend(b, f"10.0.{i // 256}.{i % 256}")
    assert len(b) <= 100


def test_off_when_zero():
    b = budget()
    for _ in range(1000):
        spend(b, seconds=100)
        b.charge_bytes("a", 10**9)


def test_proxy_headers_only_from_trusted_proxies():
    assert server_options(Settings(data_dir="unused", trusted_proxies=())) == {
        "proxy_headers": False, "forwarded_allow_ips": []}
    assert server_options(Settings(data_dir="unused", trusted_proxies=("10.0.0.0/8",))) == {
        "proxy_headers": True, "forwarded_allow_ips": ["10.0.0.0/8"]}
