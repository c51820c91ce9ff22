"""Material passport registry: ontology, SHACL validation, versioned pyoxigraph store, publication."""

__version__ = "0.1.0"
