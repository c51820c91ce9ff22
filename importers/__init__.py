"""Importers: asset-register exports (CSV, XLSX, GeoJSON) to passport documents, driven by the
declarative mapping files in ``importers/mappings/``. The orchestration (store, report, retiring)
is ``importers.pipeline``; docs/importing.md documents every mapping key."""
