"""A per-client token bucket for the public query endpoints (429 with Retry-After when empty).

Each client (by IP address as the server sees it; run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` behind a trusted proxy) has a bucket of ``per_minute`` tokens that
refills continuously at ``per_minute / 60`` tokens a second. Every query costs one token; a
client with an empty bucket is told how many seconds until the next token. ``per_minute <= 0``
turns the limit off.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, *, max_clients: int = 100_000, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.capacity = float(max(per_minute, 0))
        self.rate = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max_clients = max_clients

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def take(self, client: str) -> float:
        """Spend one token of ``client``; return 0 when allowed, else the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= self._max_clients:
                    self._forget_full(now)
                bucket = self._buckets[client] = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def retry_after(self, wait: float) -> str:
        """The Retry-After header value (whole seconds, at least 1) for a wait of ``wait`` s."""
        return str(max(1, math.ceil(wait)))

    def _forget_full(self, now: float) -> None:
        # Buckets that have refilled completely carry no information: drop them.
        full_after = self.capacity / self.rate if self.rate else 0.0
        stale = [c for c, b in self._buckets.items() if now - b.updated >= full_after]
        for client in stale:
            del self._buckets[client]
        if len(self._buckets) >= self._max_clients:  # still too many: drop the oldest half
            for client, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].updated)[
                    : len(self._buckets) // 2]:
                del self._buckets[client]
