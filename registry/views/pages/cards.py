"""Passport cards: what a list shows of each passport (title, identifier, object kind and name,
municipality, last change), read by index look-ups and remembered."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from registry.model.terms import Terms, local_name
from registry.model.vocab import MODIFIED, MP, RDFS
from registry.views.pages.attrs import langmap
from registry.views.pages.cache import memo_for
from registry.views.pages.vocabulary import (
    T_DESCRIBES,
    T_IDENTIFIER,
    T_MODIFIED,
    T_MUNICIPALITY,
    T_TITLE,
    T_TYPE,
)

_TYPE = ox.NamedNode(T_TYPE)
_LABEL = ox.NamedNode(RDFS + "label")
_TITLE, _IDENTIFIER = ox.NamedNode(T_TITLE), ox.NamedNode(T_IDENTIFIER)
_MUNICIPALITY, _DESCRIBES = ox.NamedNode(T_MUNICIPALITY), ox.NamedNode(T_DESCRIBES)

_CARDS: OrderedDict = OrderedDict()
_CARDS_MAX = 50_000
_CARDS_LOCK = threading.Lock()


def passport_cards(store: ox.Store, iris: list[str], terms: Terms) -> list[dict]:
    """Title, identifier, object kind and name, municipality of each passport: index lookups only.

    A card is remembered (LRU) with the passport's ``dcterms:modified``; showing it again costs
    one index lookup to check that the passport has not changed since.
    """
    cards = []
    for iri in iris:
        node = ox.NamedNode(iri)
        stamp = next(store.quads_for_pattern(node, MODIFIED, None, node), None)
        key = (id(store), iri)
        if stamp is not None:
            with _CARDS_LOCK:
                cached = _CARDS.get(key)
                if cached is not None and cached[0] == stamp.object.value:
                    _CARDS.move_to_end(key)
            if cached is not None and cached[0] == stamp.object.value:
                cards.append(cached[1])
                continue
        card = _card(store, node, terms)
        if stamp is not None and not card["retired"]:
            with _CARDS_LOCK:
                _CARDS[key] = (stamp.object.value, card)
                if len(_CARDS) > _CARDS_MAX:
                    _CARDS.popitem(last=False)
        cards.append(card)
    return cards


def _card(store: ox.Store, node: ox.NamedNode, terms: Terms) -> dict:
    iri = node.value
    props: dict[str, list[ox.Term]] = defaultdict(list)
    for quad in store.quads_for_pattern(node, None, None, node):
        props[quad.predicate.value].append(quad.object)
    obj = _object(props.get(T_DESCRIBES, []))
    kind, obj_label = "", {}
    if obj is not None:
        kind = _kind(store, obj, node, terms)
        obj_label = langmap(q.object for q in store.quads_for_pattern(obj, _LABEL, None, node))
    modified = next((o.value for o in props.get(T_MODIFIED, [])), "")
    return {**_essentials(iri, props.get(T_TITLE, []), props.get(T_IDENTIFIER, []), props.get(T_MUNICIPALITY, [])),
            "kind": kind, "object_label": obj_label, "modified": modified[:10],
            "retired": MP + "RetiredPassport" in {o.value for o in props.get(T_TYPE, [])}}


def _object(described: list[ox.Term]) -> ox.NamedNode | None:
    return next((o for o in described if isinstance(o, ox.NamedNode)), None)


def _kind(store: ox.Store, obj: ox.NamedNode, graph: ox.NamedNode, terms: Terms) -> str:
    """The object kind of a card: the first of the object's types that is one, else its first type."""
    kinds = [q.object.value for q in store.quads_for_pattern(obj, _TYPE, None, graph)]
    return next((k for k in kinds if terms.is_object_kind(k)), kinds[0] if kinds else "")


def _essentials(iri: str, titles: list[ox.Term], identifiers: list[ox.Term], municipalities: list[ox.Term]) -> dict:
    identifier = next((o.value for o in identifiers), local_name(iri))
    return {"iri": iri, "title": langmap(iter(titles)) or {"": identifier}, "identifier": identifier,
            "municipality": next((o.value for o in municipalities), "")}


def table_cards(store: ox.Store, iris: Iterable[str], terms: Terms) -> Iterator[dict]:
    """What a passports table shows of each passport (title, identifier, object kind, municipality):
    the card's values by five index look-ups each, without reading the rest of the passport and
    without keeping the cards (a table lists all of a municipality's tens of thousands)."""
    objects = store.quads_for_pattern
    for iri in iris:
        node = ox.NamedNode(iri)
        card = _essentials(iri, [q.object for q in objects(node, _TITLE, None, node)],
                           [q.object for q in objects(node, _IDENTIFIER, None, node)],
                           [q.object for q in objects(node, _MUNICIPALITY, None, node)])
        obj = _object([q.object for q in objects(node, _DESCRIBES, None, node)])
        card["kind"] = _kind(store, obj, node, terms) if obj is not None else ""
        yield card


def cards_for(registry, iris: list[str], terms: Terms) -> list[dict]:
    """``passport_cards`` of a list shown on a page, computed once per store generation."""
    return memo_for(registry).get(("cards", id(terms), tuple(iris)),
                                  lambda: passport_cards(registry.store, iris, terms))


__all__ = ["cards_for", "passport_cards", "table_cards"]
