"""Pages of lists of passports: a page is read from a lazy stream of IRIs, skipping to it and
stopping right after it (no ORDER BY, no COUNT), and remembered for the store generation it was
read in."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from registry.views.pages.cache import memo_for

PAGE_SIZE = 50
MAX_PAGE = 200  # deeper than this, use SPARQL: keeps OFFSET work per request bounded


def page_of(iris: Iterator[str], page: int, size: int | None = None) -> tuple[list[str], bool]:
    """Page ``page`` of a stream of passport IRIs (repeats skipped) and whether a next page exists.
    Reading stops right after the page: the cost is the offset plus one page, never the list."""
    size = size or PAGE_SIZE
    seen: set[str] = set()
    skip = (page - 1) * size
    found: list[str] = []
    for iri in iris:
        if iri in seen:
            continue
        seen.add(iri)
        if skip:
            skip -= 1
            continue
        found.append(iri)
        if len(found) > size:
            break
    return found[:size], len(found) > size


def cached_page(registry, key: tuple, compute: Callable[[], tuple[list[str], bool]]) -> tuple[list[str], bool]:
    """A page of a list, computed once per store generation (``cache.memo_for``)."""
    return memo_for(registry).get(("list", PAGE_SIZE) + key, compute)


__all__ = ["MAX_PAGE", "PAGE_SIZE", "cached_page", "page_of"]
