"""SHACL validation (pySHACL as reference, a compiled engine for batches) and the ontology check."""
