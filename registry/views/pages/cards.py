"""Passport cards: what a list shows of each passport (title, identifier, object kind and name,
municipality, last change), read by index look-ups and remembered."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict

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
    obj = next((o for o in props.get(T_DESCRIBES, []) if isinstance(o, ox.NamedNode)), None)
    kind, obj_label = "", {}
    if obj is not None:
        kinds = [q.object.value for q in store.quads_for_pattern(obj, _TYPE, None, node)]
        kind = next((k for k in kinds if terms.is_object_kind(k)), kinds[0] if kinds else "")
        obj_label = langmap(q.object for q in store.quads_for_pattern(obj, _LABEL, None, node))
    municipality = next((o.value for o in props.get(T_MUNICIPALITY, [])), "")
    modified = next((o.value for o in props.get(T_MODIFIED, [])), "")
    identifier = next((o.value for o in props.get(T_IDENTIFIER, [])), local_name(iri))
    return {"iri": iri, "title": langmap(iter(props.get(T_TITLE, []))) or {"": identifier},
            "identifier": identifier, "kind": kind, "object_label": obj_label,
            "municipality": municipality, "modified": modified[:10],
            "retired": MP + "RetiredPassport" in {o.value for o in props.get(T_TYPE, [])}}


def cards_for(registry, iris: list[str], terms: Terms) -> list[dict]:
    """``passport_cards`` of a list shown on a page, computed once per store generation."""
    return memo_for(registry).get(("cards", id(terms), tuple(iris)),
                                  lambda: passport_cards(registry.store, iris, terms))


__all__ = ["cards_for", "passport_cards"]
