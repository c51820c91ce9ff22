"""What is published, without HTTP: content negotiation, RDF documents, page data and rendering."""
