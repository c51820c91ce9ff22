"""One router per resource: linked data, SPARQL, saved queries, pages, passports, imports."""
