"""The versioned passport store on pyoxigraph: writes, versions, provenance, named queries, write tokens."""
