"""The HTML pages: what they show, read from the registry, and how they are rendered; shared by the
server and the static site build.

What a page shows is read by one module per kind of data (``paging``, ``lists``, ``cards``,
``stats``, ``geo``, ``passport_view``, ``history``, ``search``, ``vocabulary``);
``contexts`` picks the template and the data of each page, ``links`` where it links to,
``render`` renders it, ``cache`` keeps what is read per store generation.

Views hold IRIs, numbers and language maps (``{"nl": ..., "en": ...}``), not finished text, so one
view renders in both languages. Reading is bounded for a million passports:

- a passport page reads its own graph (one index range, which also tells current from retired)
  and its version records (index look-ups in the provenance graph), and builds the view from
  them in Python: about 1.2 ms of store reads for a 100-triple passport, no SPARQL;
- search results, their counts per filter value and the map's points come from the search index
  (``registry.store.search_index``, SQLite FTS5), not from the store;
- lists (a municipality's passports, a material's, a concept's) iterate an index
  range lazily, skip to the page and stop after it: no ORDER BY, no COUNT per request. A page of
  a list and its cards are remembered for the store generation they were read in
  (``cache.memo_for``: the generation file is read on every request, so never after a write);
- counts (per municipality, object kind, material, concept) are whole-store aggregates, computed
  once per store generation by ``cache`` and served from memory; what a page derives from
  them (rankings, tonnes) is made once per set of counts (``Stats.derived``).
"""
