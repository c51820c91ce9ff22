"""Open data: the DCAT-AP catalog (``catalog``, its HTML page ``catalog_page``), the VoID
description (``void``), the list of dumps with their sizes and checksums (``dumpinfo``) and the
vocabularies they use (``terms``)."""
