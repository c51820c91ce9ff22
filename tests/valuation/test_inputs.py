"""The index reads of ``valuate`` (registry.store.valuation_inputs) give what the saved query
``valuation-inputs`` gives, on demo passports with nested components, every unit and missing properties."""

from __future__ import annotations

from conftest import BASE

from registry.demo import write
from registry.model.documents import read_file
from registry.store import named_queries
from registry.store.valuation_inputs import read_inputs


def test_index_reads_equal_the_saved_query(registry, tmp_path):
    source = tmp_path / "demo.nq"
    write(source, size=150, seed=3, base=BASE, fmt="nq")
    registry.add(read_file(source, BASE), _validated=True)
    from_query: dict[str, set[tuple]] = {}
    for row in named_queries.select_plain(registry.store, "valuation-inputs"):
        from_query.setdefault(row["quantity"], set()).add(tuple(row.get(k) for k in (
            "passport", "version", "municipality", "material", "unit", "massKg", "condition", "index", "strategy",
            "quality")))
    read = read_inputs(registry.store)
    seen = 0
    for passport, (version, municipality, quantities) in read.items():
        for iri, q in quantities.items():
            mass = str(q.mass_kg) if q.mass_kg is not None else None
            index = str(q.detachability_index) if q.detachability_index is not None else None
            mine = (passport, version, municipality, q.material, q.unit, mass, q.condition, index, q.strategy,
                    q.quality)
            rows = from_query.pop(iri)
            assert any(_same(mine, row) for row in rows), (mine, rows)
            seen += 1
    assert seen > 300 and not from_query  # every quantity of the query, and no other
    assert len(read_inputs(registry.store, "GM0153")) < len(read)


def _same(mine: tuple, row: tuple) -> bool:
    """Equal, numbers compared as numbers (the store writes 120500 where Decimal says 120500.0)."""
    for a, b in zip(mine, row, strict=True):
        if a == b:
            continue
        try:
            if a is not None and b is not None and float(a) == float(b):
                continue
        except ValueError:
            pass
        return False
    return True


def test_reading_per_graph_equals_one_scan_per_predicate(registry, tmp_path):
    """``iter_inputs`` reads a local store graph by graph and a SPARQL server's with one scan per
    predicate (a range per graph would be a request each): the same passports, in the same order,
    with the same quantities, and the same ones skipped."""
    from registry.store.valuation_inputs import iter_inputs, passport_graphs

    source = tmp_path / "demo.nq"
    write(source, size=60, seed=5, base=BASE, fmt="nq")
    registry.add(read_file(source, BASE), _validated=True)
    graphs = passport_graphs(registry.store)
    skipped = {g.value for g in graphs[::3]}

    def skip(passport, version, municipality):
        assert version.startswith(passport + "/v/") and "/municipality/" in municipality
        return passport in skipped

    per_graph = list(iter_inputs(registry.store, graphs, skip, per_graph=True))
    scans = list(iter_inputs(registry.store, iter(graphs), skip, per_graph=False))
    assert len(per_graph) > 30 and per_graph == scans
    assert not {p for p, *_ in per_graph} & skipped
