"""Random picks of the demo, cheaper per call than the random module's (the recipes make many).

Each takes the one ``random.Random`` of the planner, so the order of calls is the order of
randomness: the same seed gives the same passports.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from functools import lru_cache


def cumulative(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def randint(r: random.Random, low: int, high: int) -> int:
    """``r.randint(low, high)``, cheaper per call."""
    return low + int(r.random() * (high - low + 1))


@lru_cache(maxsize=256)
def _cumulative_of(weights: tuple) -> list[float]:
    return cumulative(weights)


def weighted(r: random.Random, items: tuple, weights: tuple):
    """``r.choices(items, weights)[0]``, cheaper per call."""
    return pick(r, items, _cumulative_of(weights))


def choice(r: random.Random, items):
    """``r.choice(items)``, cheaper per call (one ``random()``, no rejection sampling)."""
    return items[int(r.random() * len(items))]


def pick(r: random.Random, items, cum: list[float]):
    """A weighted choice (like ``random.choices`` with cum_weights, but cheaper per call)."""
    return items[bisect_right(cum, r.random() * cum[-1])]
