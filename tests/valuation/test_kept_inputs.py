"""``valuate`` reads each passport's inputs (version, municipality, quantities with what holds for them)
from the rows the monitor aggregates keep (``MonitorIndex.inputs``, filled by every write) instead of
reading ranges of the store: the rows give exactly what reading the store gives (``iter_inputs``, itself
compared with the saved query in test_inputs.py), after every kind of write and after a rebuild, for
nested parts, inherited and overridden properties, several values where one is expected, parts the
object does not reach, and blank-node quantities (read from the store)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from conftest import BASE

from registry.demo import write
from registry.model.documents import read_file
from registry.model.uris import parse_passport_iri
from registry.store.registry import Registry
from registry.store.snapshots import READERS
from registry.store.valuation_inputs import iter_inputs, iter_kept, passport_graphs
from registry.store.valuations import valuate

DAY = date(2026, 12, 31)
ID = BASE + "id/"
EDGE = ID + "passport/GM0153/edge-1"
BLANK = ID + "passport/GM0153/edge-blank"

PREFIXES = """@prefix mp: <https://w3id.org/materiaalpaspoort/def#> .
@prefix gm: <https://w3id.org/materiaalpaspoort/id/municipality/> .
@prefix phase: <https://w3id.org/materiaalpaspoort/id/phase/> .
@prefix condition: <https://w3id.org/materiaalpaspoort/id/condition/> .
@prefix rstrategy: <https://w3id.org/materiaalpaspoort/id/rstrategy/> .
@prefix quality: <https://w3id.org/materiaalpaspoort/id/releasequality/> .
@prefix material: <https://w3id.org/materiaalpaspoort/id/material/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _edge(concrete: str = "12.5") -> str:
    """A passport whose quantities test every rule of ``valuation_inputs``: the object's own quantity,
    a nested part with its own condition (two of them: the least is taken), a quantity with its own
    R-strategy, one quantity under two parts, a part the object does not reach, a quantity without a
    material, a release quality on a part."""
    o, c, q = f"<{ID}object/GM0153/edge-1>", f"{ID}component/GM0153/edge-1/", f"{ID}quantity/GM0153/edge-1/"
    return PREFIXES + f"""
<{EDGE}> a mp:Passport ; mp:municipality gm:GM0153 ; mp:describes {o} ;
    mp:projectPhase phase:management .
{o} a mp:Bridge ; mp:condition condition:3 ; mp:plannedRStrategy rstrategy:R3 ;
    mp:hasMaterialQuantity <{q}deck> ; mp:hasComponent <{c}a>, <{c}b> ;
    mp:expectedRelease <{ID}release/GM0153/edge-1> ; <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{c}orphan> .
<{ID}release/GM0153/edge-1> mp:releaseDate "2031"^^xsd:gYear ; mp:releaseQuality quality:high .
<{c}a> a mp:Component ; mp:condition condition:5, condition:2 ; mp:hasComponent <{c}a-inner> ;
    mp:hasMaterialQuantity <{q}shared>, <{q}brick> ; mp:detachability <{ID}detachability/GM0153/edge-1/a> .
<{ID}detachability/GM0153/edge-1/a> mp:detachabilityIndex "0.45"^^xsd:decimal .
<{c}a-inner> a mp:Component ; mp:plannedRStrategy rstrategy:R6 ;
    mp:hasMaterialQuantity <{q}inner>, <{q}nomaterial> ;
    mp:expectedRelease <{ID}release/GM0153/edge-1/inner> .
<{ID}release/GM0153/edge-1/inner> mp:releaseDate "2029"^^xsd:gYear ; mp:releaseQuality quality:low .
<{c}b> a mp:Component ; mp:condition condition:4 ; mp:hasMaterialQuantity <{q}shared>, <{q}steel> .
<{c}orphan> a mp:Component ; mp:hasMaterialQuantity <{q}orphan> .
<{q}deck> a mp:MaterialQuantity ; mp:material material:concrete ; qudt:numericValue "{concrete}"^^xsd:decimal ; qudt:unit unit:M3 .
<{q}shared> a mp:MaterialQuantity ; mp:material material:timber ; qudt:numericValue "3"^^xsd:decimal ; qudt:unit unit:M3 .
<{q}inner> a mp:MaterialQuantity ; mp:material material:steel ; qudt:numericValue "1.25"^^xsd:decimal ; qudt:unit unit:TON_Metric ;
    mp:plannedRStrategy rstrategy:R1 .
<{q}brick> a mp:MaterialQuantity ; mp:material material:clinker ; qudt:numericValue "2"^^xsd:decimal ; qudt:unit unit:M3 .
<{q}nomaterial> a mp:MaterialQuantity ; qudt:numericValue "9"^^xsd:decimal ; qudt:unit unit:KiloGM .
<{q}steel> a mp:MaterialQuantity ; mp:material material:steel ; qudt:numericValue "800"^^xsd:decimal ; qudt:unit unit:KiloGM .
<{q}orphan> a mp:MaterialQuantity ; mp:material material:copper ; qudt:numericValue "5"^^xsd:decimal ; qudt:unit unit:KiloGM .
"""


def _blank() -> str:
    o = f"<{ID}object/GM0153/edge-blank>"
    return PREFIXES + f"""
<{BLANK}> a mp:Passport ; mp:municipality gm:GM0153 ; mp:describes {o} ;
    mp:projectPhase phase:management .
{o} a mp:Bench ; mp:condition condition:2 ;
    mp:hasMaterialQuantity [ a mp:MaterialQuantity ; mp:material material:timber ; qudt:numericValue "0.4"^^xsd:decimal ;
                             qudt:unit unit:M3 ] .
"""


def _add(registry: Registry, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / f"{name}.ttl"
    path.write_text(text, encoding="utf-8")
    registry.add(read_file(path, BASE), _validated=True)


def _both(registry: Registry) -> tuple[list, list]:
    graphs = passport_graphs(registry.store)
    assert registry.monitor_index.fresh()
    return (list(iter_kept(registry.monitor_index, registry.store, graphs)),
            list(iter_inputs(registry.store, graphs)))


def _registry_with_edges(registry: Registry, tmp_path: Path) -> None:
    source = tmp_path / "demo.nq"
    write(source, size=120, seed=7, base=BASE, fmt="nq")
    registry.add(read_file(source, BASE), _validated=True)
    _add(registry, tmp_path, "edge", _edge())


def test_kept_inputs_are_those_read_from_the_store(registry, tmp_path):
    _registry_with_edges(registry, tmp_path)
    kept, read = _both(registry)
    assert kept == read and len(kept) == 121
    edge = next(quantities for passport, _, _, quantities in kept if passport == EDGE)
    q = ID + "quantity/GM0153/edge-1/"
    assert sorted(edge) == [q + "brick", q + "deck", q + "inner", q + "shared", q + "steel"]  # no orphan, none without material
    assert edge[q + "inner"].strategy.endswith("rstrategy/R1")  # the quantity's own
    assert edge[q + "inner"].quality.endswith("releasequality/low")  # its part's release
    assert edge[q + "deck"].quality.endswith("releasequality/high")  # the object's
    assert edge[q + "steel"].condition.endswith("condition/4") and edge[q + "steel"].strategy.endswith("R3")
    assert edge[q + "brick"].condition.endswith("condition/2")  # the least of part a's two
    assert edge[q + "brick"].detachability_index == Decimal("0.45")
    assert edge[q + "inner"].condition.endswith("condition/3")  # the object's (a part's is not inherited)
    assert all(x.mass_kg is not None for x in edge.values())  # the registry's masses, kept with them


def test_kept_inputs_follow_every_kind_of_write(registry, tmp_path):
    _registry_with_edges(registry, tmp_path)
    _add(registry, tmp_path, "edge2", _edge(concrete="99.75"))  # a new version
    kept, read = _both(registry)
    assert kept == read
    version, deck = next((v, qs) for p, v, _, qs in kept if p == EDGE)
    assert version == EDGE + "/v/2" and str(deck[ID + "quantity/GM0153/edge-1/deck"].value) == "99.75"
    gone = kept[5][0]
    registry.retire(parse_passport_iri(BASE, gone), "demolished")
    valuate(registry, DAY)  # records do not change the inputs
    kept, read = _both(registry)
    assert kept == read and gone not in {p for p, *_ in kept}
    settings = registry.settings
    registry.close()
    (settings.data_dir / "monitor.sqlite").unlink()  # rebuilt from the store at the next opening
    with Registry.open(settings) as again:
        assert _both(again)[0] == kept


def test_a_blank_node_quantity_is_read_from_the_store(registry, tmp_path):
    _add(registry, tmp_path, "blank", _blank())
    _add(registry, tmp_path, "edge", _edge())
    kept, read = _both(registry)
    assert kept == read and {p for p, *_ in kept} == {BLANK, EDGE}


def test_valuate_on_kept_inputs_values_as_on_the_store_and_takes_no_snapshot(registry, tmp_path):
    _registry_with_edges(registry, tmp_path)
    folder = registry.settings.main_store_path.parent / READERS
    snapshots: list[bool] = []
    kept = valuate(registry, DAY, dry_run=True)
    registry.monitor_index.missed = True  # as after a failed update of the file: read from the store
    read = valuate(registry, DAY, dry_run=True)
    assert [(r.iri, r.version, r.amount, r.inputs) for r in kept.created] == \
        [(r.iri, r.version, r.amount, r.inputs) for r in read.created]
    registry.monitor_index.missed = False
    report = valuate(registry, DAY, batch=10,
                     progress=lambda done, total: snapshots.append(folder.exists() and any(folder.iterdir())))
    assert [r.amount for r in report.created] == [r.amount for r in read.created] and not any(snapshots)


def test_a_blank_node_quantity_is_valued_and_the_record_names_no_blank_node(registry, tmp_path):
    """A passport may hold its quantities as blank nodes: valued like the others; the record's input
    cannot name a blank node of another graph, so it leaves ``mp:valuedQuantity`` out (before: the
    run stopped at an N-Quads error and valued no passport at all)."""
    import pyoxigraph as ox

    _add(registry, tmp_path, "blank", _blank())
    _add(registry, tmp_path, "edge", _edge())
    report = valuate(registry, DAY)
    assert len(report.created) == 2
    blank = next(r for r in report.created if r.passport == BLANK)
    assert blank.amount > 0 and blank.inputs[0].quantity.iri.startswith("_:")
    named = [q.object for q in registry.store.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/materiaalpaspoort/def#valuedQuantity"), None, None)]
    assert len(named) == 5 and all(isinstance(o, ox.NamedNode) for o in named)
    assert valuate(registry, DAY).unchanged == 2


def test_the_kept_form_gives_back_exactly_what_was_kept():
    """``encode_inputs``/``decode_inputs`` round trip, also for what a passport stored without validation
    may hold where an IRI belongs (a literal starting with a digit or ``~``, an IRI of another namespace)
    and numbers as written (exponent, many decimals, negative)."""
    from registry.model.valuation import Quantity
    from registry.store.valuation_inputs import decode_inputs, encode_inputs

    odd = [Quantity(ID + "quantity/GM0153/x/1", "https://w3id.org/materiaalpaspoort/id/material/steel",
                    Decimal("1E+3"), "http://qudt.org/vocab/unit/KiloGM", Decimal("1000.000000000000000001"),
                    "3", Decimal("-0.5"), "~odd", "0 starts with a digit"),
           Quantity("urn:x:2", "http://example.org/material", None, None, None),
           Quantity(ID + "quantity/GM0153/x/3", "9", Decimal(0), "~", Decimal("12.50"), None, None, "", "1")]
    kept = {q.iri: q for q in odd}
    text = encode_inputs(kept, EDGE)
    assert decode_inputs(text, BASE) == kept and len(text) < len(repr(kept))
    assert decode_inputs(encode_inputs({}, EDGE), BASE) == {} and encode_inputs(None, EDGE) is None
