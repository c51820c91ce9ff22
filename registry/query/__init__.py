"""The public SPARQL machinery: the query worker pool, result formats, the SERVICE allow-list, saved queries."""
