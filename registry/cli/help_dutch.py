"""The Dutch help of every ``passports`` command, option and argument: the one place it is written.

A gettext-style catalogue: the key is the English help as the command registers it (its docstring
or ``help=``, whitespace folded to single spaces), the value the Dutch. A text shared by many
commands (``--data``, ``--lang``) is translated once. :mod:`registry.cli.speech` puts the Dutch
into the command tree when the command speaks Dutch; a test walks that tree and fails on a help
text without Dutch here (a new command, or English help that changed) and on entries no command
uses any more.
"""

from __future__ import annotations

HELP: dict[str, str] = {
    # the command and its groups
    "Material passport registry": "Register van materialenpaspoorten",
    "Language of every text the command prints (help, messages, tables, counts): nl or en (default "
    "$PASSPORTS_LANG, else en)":
        "Taal van alles wat de opdracht toont (hulp, meldingen, tabellen, aantallen): nl of en "
        "(standaard $PASSPORTS_LANG, anders en)",
    "The ontology: checks.": "De ontologie: controles.",
    "Write tokens for the API, one or more per municipality":
        "Schrijftokens voor de API, een of meer per gemeente",
    "Static copy of the site": "Statische kopie van de website",
    "The mass of every material quantity": "De massa van elke materiaalhoeveelheid",
    "The CRS84 copy of every geometry": "De CRS84-kopie van elke geometrie",
    "Price lists for valuation.": "Prijslijsten voor de waardering.",
    # options many commands share
    "Data directory (default $PASSPORTS_DATA or ./data)": "Gegevensmap (standaard $PASSPORTS_DATA of ./data)",
    "data directory of the registry (default ./data)": "gegevensmap van het register (standaard ./data)",
    "Base IRI of this instance, chosen at init and stored with the data (default: the stored one, "
    "$PASSPORTS_BASE or http://localhost:8000/)":
        "Basis-IRI van deze installatie, gekozen bij init en opgeslagen bij de gegevens (standaard: de "
        "opgeslagen, $PASSPORTS_BASE of http://localhost:8000/)",
    "Base IRI of this instance": "Basis-IRI van deze installatie",
    "Base IRI of this instance (default $PASSPORTS_BASE or http://localhost:8000/)":
        "Basis-IRI van deze installatie (standaard $PASSPORTS_BASE of http://localhost:8000/)",
    "base IRI of the registry's data": "basis-IRI van de gegevens van het register",
    "Language of help, messages, tables and counts: nl or en (default $PASSPORTS_LANG, else en)":
        "Taal van hulp, meldingen, tabellen en aantallen: nl of en (standaard $PASSPORTS_LANG, anders en)",
    "print the result as JSON": "toon het resultaat als JSON",
    "CBS code, e.g. GM0153": "CBS-code, bijvoorbeeld GM0153",
    # init, add, validate, show, history, retire
    "Create an empty registry in the data directory; its base IRI is stored with the data.":
        "Maak een leeg register in de gegevensmap; de basis-IRI wordt bij de gegevens opgeslagen.",
    "Validate and store passports; new content becomes a new version, same content is skipped.":
        "Controleer en bewaar paspoorten; nieuwe inhoud wordt een nieuwe versie, gelijke inhoud wordt "
        "overgeslagen.",
    "Turtle, TriG, JSON-LD, N-Triples or N-Quads (.gz ok)": "Turtle, TriG, JSON-LD, N-Triples of N-Quads (.gz mag)",
    "Only accept passports of this CBS code": "Neem alleen paspoorten van deze CBS-code aan",
    "Validate passports in a file without storing them (exit 0 conforms, 1 does not, 2 error).":
        "Controleer de paspoorten in een bestand zonder ze te bewaren (afsluitcode 0 voldoet, 1 voldoet "
        "niet, 2 fout).",
    "text, json or ttl": "text, json of ttl",
    "fast (compiled shapes, pySHACL reports failures) or pyshacl (pySHACL only)":
        "fast (gecompileerde shapes, pySHACL beschrijft de fouten) of pyshacl (alleen pySHACL)",
    "Print a passport (current version, or a version IRI ending in /v/N).":
        "Toon een paspoort (de huidige versie, of een versie-IRI die eindigt op /v/N).",
    "ttl, nt or jsonld": "ttl, nt of jsonld",
    "List the versions of a passport with their provenance.": "Toon de versies van een paspoort met hun herkomst.",
    "Retire a passport; it stays resolvable with its history.":
        "Trek een paspoort in; het blijft met zijn geschiedenis opvraagbaar.",
    "Why, e.g. 'gesloopt in 2026'": "Waarom, bijvoorbeeld 'gesloopt in 2026'",
    # query, compact, export, serve
    "Run a SPARQL query over the current passports and the reference data (union of their graphs).":
        "Voer een SPARQL-zoekvraag uit over de huidige paspoorten en de referentiegegevens (de vereniging "
        "van hun grafen).",
    "A .rq file": "Een .rq-bestand",
    "A saved query of sparql/ by name": "Een opgeslagen zoekvraag uit sparql/, bij naam",
    "table, csv or json": "table, csv of json",
    "NAME=VALUE, a parameter of the saved query (repeatable), e.g. municipality=mpv:municipality/GM0153":
        "NAAM=WAARDE, een parameter van de opgeslagen zoekvraag (herhaalbaar), bijvoorbeeld "
        "municipality=mpv:municipality/GM0153",
    "Rewrite the store's files for fast reading (after large imports; an import that makes up a quarter "
    "of the store or more does this by itself). The content stays the same.":
        "Herschrijf de bestanden van de opslag om snel te lezen (na grote imports; een import van een kwart "
        "van de opslag of meer doet dit zelf). De inhoud blijft gelijk.",
    "Dump the whole registry (N-Quads by default): current passports, every past version, retired "
    "passports' last content, provenance, reference data and valuations. What it holds is printed on "
    "stderr.":
        "Schrijf het hele register weg (standaard N-Quads): huidige paspoorten, elke oude versie, de laatste "
        "inhoud van ingetrokken paspoorten, herkomst, referentiegegevens en waarderingen. Wat erin staat, "
        "wordt op stderr getoond.",
    "File; .gz compresses; default stdout": "Bestand; .gz comprimeert; standaard stdout",
    "nq, trig or ttl (ttl: the union of the current data, no graphs and so no past versions)":
        "nq, trig of ttl (ttl: de vereniging van de huidige gegevens, geen grafen en dus geen oude versies)",
    "Also dump every past version, and so the last content of retired passports (default; nq and trig "
    "only)":
        "Schrijf ook elke oude versie weg, en dus de laatste inhoud van ingetrokken paspoorten (standaard; "
        "alleen nq en trig)",
    "Instead: write every dump of the downloads page (registry, history, reference data, a Turtle file "
    "per municipality and manifest.json) into DIR/dumps/":
        "In plaats daarvan: schrijf elk bestand van de downloadpagina (register, geschiedenis, "
        "referentiegegevens, een Turtle-bestand per gemeente en manifest.json) naar MAP/dumps/",
    "Run the registry: SPARQL endpoint, linked-data URIs, write API and pages.":
        "Start het register: SPARQL-eindpunt, linked-data-URI's, schrijf-API en pagina's.",
    "Address to listen on": "Adres waarop het register luistert",
    "Port to listen on": "Poort waarop het register luistert",
    "Load demo passports first when the registry is empty": "Laad eerst demopaspoorten als het register leeg is",
    "Log every request (about 0.15 ms CPU per request; bench/bench_pages.py runs without)":
        "Log elk verzoek (ongeveer 0,15 ms CPU per verzoek; bench/bench_pages.py draait zonder)",
    "Processes rendering HTML pages (default PASSPORTS_PAGE_WORKERS, else one per core up to 8; 0: the "
    "server process renders them)":
        "Processen die HTML-pagina's maken (standaard PASSPORTS_PAGE_WORKERS, anders een per kern tot 8; "
        "0: het serverproces maakt ze)",
    # import, valuate, prices
    "Import an asset-register export (CSV, XLSX, GeoJSON) with a mapping into passports.":
        "Importeer een export van een beheersysteem (CSV, XLSX, GeoJSON) met een mapping als paspoorten.",
    "CSV, XLSX or GeoJSON export": "CSV-, XLSX- of GeoJSON-export",
    "name of a shipped mapping (importers/mappings) or path of a mapping .yaml":
        "naam van een meegeleverde mapping (importers/mappings) of pad van een mapping-.yaml",
    "read, map and validate; write nothing": "lees, vertaal en controleer; schrijf niets",
    "write every problem to this CSV file": "schrijf elk probleem naar dit CSV-bestand",
    "store nothing unless every row is valid": "bewaar niets tenzij elke rij goed is",
    "retire this source's passports that are not in the file (the file is a full export)":
        "trek de paspoorten van deze bron in die niet in het bestand staan (het bestand is een volledige export)",
    "date of the export, for the retirement reason (default today)":
        "datum van de export, voor de reden van intrekken (standaard vandaag)",
    "do not check coordinates against the municipality's extent (for trying a mapping on another "
    "municipality's data)":
        "controleer coördinaten niet tegen het gebied van de gemeente (om een mapping op gegevens van een "
        "andere gemeente te proberen)",
    "value the imported passports on this date (passports valuate)":
        "waardeer de geïmporteerde paspoorten op deze datum (passports valuate)",
    "with --valuate-date: IRI of the price-list version to use":
        "met --valuate-date: IRI van de versie van de prijslijst die gebruikt wordt",
    "Value every current passport on a date: one record per passport, earlier records kept.":
        "Waardeer elk huidig paspoort op een datum: een waardering per paspoort, eerdere blijven bewaard.",
    "valuation date, e.g. 2026-12-31": "waarderingsdatum, bijvoorbeeld 2026-12-31",
    "only this CBS code": "alleen deze CBS-code",
    "IRI of a price-list version (default: the newest valid on the date)":
        "IRI van een versie van een prijslijst (standaard: de nieuwste die op de datum geldt)",
    "compute and report; write nothing": "reken en meld; schrijf niets",
    "The price lists in the registry, newest first.": "De prijslijsten in het register, nieuwste eerst.",
    "Import a price list; every bad row is reported (row, column, value, reason) and nothing is stored.":
        "Importeer een prijslijst; elke foute rij wordt gemeld (rij, kolom, waarde, reden) en er wordt "
        "niets bewaard.",
    "CSV or XLSX: material, price, unit[, date, source, region, validity]":
        "CSV of XLSX: materiaal, prijs, eenheid[, datum, bron, regio, geldigheid]",
    "name of the price list, e.g. twente-2026": "naam van de prijslijst, bijvoorbeeld twente-2026",
    "where the prices come from": "waar de prijzen vandaan komen",
    "title of the list": "titel van de lijst",
    "GM code or region (repeatable)": "GM-code of regio (herhaalbaar)",
    "first day, e.g. 2026-01-01": "eerste dag, bijvoorbeeld 2026-01-01",
    "last day, e.g. 2026-12-31": "laatste dag, bijvoorbeeld 2026-12-31",
    # list
    "Write a per-object list of the monitor, whole or one page, from the monitor figures.":
        "Schrijf een lijst per object van de monitor, heel of een pagina, uit de monitorcijfers.",
    "indicator-release-forecast-objects or indicator-mci-per-object":
        "indicator-release-forecast-objects of indicator-mci-per-object",
    "IRI of a municipality (or mpv:municipality/GM0153); default: the whole region":
        "IRI van een gemeente (of mpv:municipality/GM0153); standaard: de hele regio",
    "First year of the release forecast (default: this year)":
        "Eerste jaar van de prognose van vrijkomend materiaal (standaard: dit jaar)",
    "Rows of one page (1-10000); default: the whole list": "Rijen van een pagina (1-10000); standaard: de hele lijst",
    "Position to start after (printed with the page before)":
        "Positie waarna de pagina begint (gemeld bij de pagina ervoor)",
    "csv, tsv, json or xml (SPARQL results)": "csv, tsv, json of xml (SPARQL-resultaten)",
    # report, demo, harvest, backup, restore, ontology
    "Write an annual report: index.html (tables and charts, readable offline) and a CSV per table.":
        "Schrijf een jaarverslag: index.html (tabellen en grafieken, ook offline leesbaar) en een CSV per tabel.",
    "CBS code, e.g. GM0153; default: the whole region": "CBS-code, bijvoorbeeld GM0153; standaard: de hele regio",
    "The year reported on (reference date 31 December); default: this year":
        "Het verslagjaar (peildatum 31 december); standaard: dit jaar",
    "Folder to write (default report-GM0153-2026)": "Map om te schrijven (standaard report-GM0153-2026)",
    "Language of the report: nl or en": "Taal van het verslag: nl of en",
    "Generate realistic demo passports for both regions and store them (or write them to a file).":
        "Maak realistische demopaspoorten voor beide regio's en bewaar ze (of schrijf ze naar een bestand).",
    "How many passports": "Hoeveel paspoorten",
    "Seed of the random generator (the same seed gives the same passports)":
        "Startwaarde van de toevalsgenerator (dezelfde waarde geeft dezelfde paspoorten)",
    "Write the passports to this file instead of storing them: .nq, .trig, .ttl, .nt or .csv (flat asset "
    "register), optionally followed by .gz":
        "Schrijf de paspoorten naar dit bestand in plaats van ze te bewaren: .nq, .trig, .ttl, .nt of .csv "
        "(plat beheerbestand), eventueel gevolgd door .gz",
    "CBS code, e.g. GM0153 (repeatable); default all 22":
        "CBS-code, bijvoorbeeld GM0153 (herhaalbaar); standaard alle 22",
    "Take in another registry's change feed (versions and retirements), validated as `add`; run again to "
    "take in what is new (exit 0, 1 when members were refused, 2 on a page that cannot be taken in).":
        "Neem de wijzigingsfeed van een ander register over (versies en intrekkingen), gecontroleerd als bij "
        "`add`; geef de opdracht opnieuw om het nieuwe over te nemen (afsluitcode 0, 1 als leden geweigerd "
        "zijn, 2 bij een pagina die niet over te nemen is).",
    "The root of the peer's feed, e.g. https://peer.example/feed/passports":
        "Het begin van de feed van het andere register, bijvoorbeeld https://peer.example/feed/passports",
    "Back up the registry's data (also while `passports serve` runs) into a new folder, with a manifest of "
    "SHA-256 sums written last.":
        "Maak een reservekopie van de gegevens van het register (ook terwijl `passports serve` draait) in een "
        "nieuwe map, met als laatste een manifest van SHA-256-sommen.",
    "New folder for the backup (must not exist)": "Nieuwe map voor de reservekopie (mag nog niet bestaan)",
    "Restore a backup into a new or empty data directory, after checking every file against the backup's "
    "manifest.":
        "Zet een reservekopie terug in een nieuwe of lege gegevensmap, na controle van elk bestand tegen het "
        "manifest van de reservekopie.",
    "A folder made by `passports backup`": "Een map gemaakt door `passports backup`",
    "Replace what the data directory holds": "Vervang wat de gegevensmap bevat",
    "Run the HermiT reasoner: consistency and unsatisfiable classes.":
        "Start de HermiT-redeneerder: consistentie en onvervulbare klassen.",
    "Extra Turtle files to check together with ontology/*.ttl":
        "Extra Turtle-bestanden om samen met ontology/*.ttl te controleren",
    # token, site, masses, geometries
    "Make a token; it is printed once (stdout) and only its hash is kept.":
        "Maak een token; het wordt één keer getoond (stdout) en alleen de hash wordt bewaard.",
    "CBS code of the municipality, e.g. GM0153": "CBS-code van de gemeente, bijvoorbeeld GM0153",
    "what the token is for, e.g. 'GBI export Enschede'": "waar het token voor is, bijvoorbeeld 'GBI-export Enschede'",
    "Show every token's id, municipality, label, and when it was made or revoked.":
        "Toon van elk token id, gemeente, omschrijving en wanneer het gemaakt of ingetrokken is.",
    "print JSON instead of a table": "toon JSON in plaats van een tabel",
    "Revoke a token: the next request that uses it gets 401.":
        "Trek een token in: het volgende verzoek dat het gebruikt, krijgt 401.",
    "the token's id from `token list`": "het id van het token uit `token list`",
    "Write the whole site (HTML, RDF per resource, dumps, sitemap) into OUT, incrementally.":
        "Schrijf de hele site (HTML, RDF per bron, downloads, sitemap) naar OUT, alleen wat veranderd is.",
    "output folder (created if missing)": "uitvoermap (wordt gemaakt als die ontbreekt)",
    "URL where the site will be published (for sitemap.xml and the JSON-LD context); default: the base IRI":
        "URL waar de site gepubliceerd wordt (voor sitemap.xml en de JSON-LD-context); standaard: de basis-IRI",
    "page languages, comma-separated": "talen van de pagina's, gescheiden door komma's",
    "pages of passports per material, object kind and concept":
        "pagina's met paspoorten per materiaal, objectsoort en begrip",
    "rebuild everything": "bouw alles opnieuw",
    "show a progress bar": "toon een voortgangsbalk",
    "processes rendering passports (0: one per CPU core)": "processen die paspoorten maken (0: een per processorkern)",
    "Derive the mass of every quantity of every passport (and archived versions without one) again.":
        "Bereken de massa van elke hoeveelheid van elk paspoort (en van gearchiveerde versies zonder massa) "
        "opnieuw.",
    "Derive the CRS84 copy of every geometry of every passport (and archived versions without one) again.":
        "Maak de CRS84-kopie van elke geometrie van elk paspoort (en van gearchiveerde versies zonder kopie) "
        "opnieuw.",
    "Start a new harvest from the peer's dumps (checked against their manifest), then follow the feed from the "
    "dumps' position":
        "Begin een nieuwe oogst met de dumps van het andere register (gecontroleerd tegen hun manifest) en volg "
        "daarna de feed vanaf de positie van de dumps",
    "With --from-dump: the dumps' manifest.json when not at {peer}/dumps/manifest.json":
        "Met --from-dump: het manifest.json van de dumps als dat niet op {peer}/dumps/manifest.json staat",
}
