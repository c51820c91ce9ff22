"""The model and its reference data: vocabulary, the URI convention, passport documents, the ontology."""
