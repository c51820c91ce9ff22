"""The texts and the error of ``passports harvest URL --from-dump`` (``harvest_dump``, which
checks the manifest and downloads the dumps, and ``harvest_dump_load``, which reads and loads them)."""

from __future__ import annotations

from importers.harvest_pages import HarvestError
from registry.core.errors import RegistryError
from registry.core.phrases import Wording

WORDS = Wording({
    "error": ("{url}: {problem}", "{url}: {problem}"),
    "not_root": ("--from-dump needs the root of a feed (…/feed/passports) or --manifest URL",
                 "--from-dump heeft het begin van een feed nodig (…/feed/passports) of --manifest URL"),
    "started": ("this feed is harvested already (next page {page}): a dump only starts a new harvest",
                "deze feed wordt al overgenomen (volgende pagina {page}): een dump begint alleen een nieuwe"),
    "manifest": ("not a dumps manifest (JSON with files): {detail}", "geen dumpmanifest (JSON met files): {detail}"),
    "no_position": (("the manifest records no feed position (made by an older version?): harvest without "
                     "--from-dump"),
                    ("het manifest noemt geen positie in de feed (van een oudere versie?): neem over zonder "
                     "--from-dump")),
    "no_file": ("the manifest lists no {kind} dump", "het manifest noemt geen {kind}-dump"),
    "other_feed": ("the dumps' position is in the feed {found}, not in {expected}",
                   "de positie van de dumps ligt in de feed {found}, niet in {expected}"),
    "epoch": (("the feed was rebuilt after the dumps were made (epoch {found}, theirs {expected}): their "
               "position is void; harvest without --from-dump or wait for new dumps"),
              ("de feed is opnieuw opgebouwd na het maken van de dumps (tijdperk {found}, het hunne {expected}): "
               "hun positie geldt niet meer; neem over zonder --from-dump of wacht op nieuwe dumps")),
    "beyond": ("the dumps' position (member {sequence}, page {page}) is beyond the end of the feed",
               "de positie van de dumps (lid {sequence}, pagina {page}) ligt voorbij het einde van de feed"),
    "too_big": ("the dump is {size} bytes, more than {limit} (PASSPORTS_HARVEST_MAX_DUMP_BYTES)",
                "de dump is {size} bytes, meer dan {limit} (PASSPORTS_HARVEST_MAX_DUMP_BYTES)"),
    "larger": ("the file is larger than the {size} bytes the manifest declares",
               "het bestand is groter dan de {size} bytes die het manifest opgeeft"),
    "size": ("the file has {found} bytes, not the {size} the manifest declares",
             "het bestand heeft {found} bytes, niet de {size} die het manifest opgeeft"),
    "checksum": ("its SHA-256 is {found}, not {expected} as the manifest says",
                 "de SHA-256 is {found}, niet {expected} zoals het manifest zegt"),
    "rdf": ("invalid RDF in the dump: {detail}", "ongeldige RDF in de dump: {detail}"),
    "refused": ("{count} passports of the dump do not conform (first {iri}: {issue}); nothing was taken in",
                "{count} paspoorten in de dump voldoen niet (eerste {iri}: {issue}); er is niets overgenomen"),
    "present": (("this registry holds {count} of the dump's passports already (first {iri}): a dump only "
                 "starts a new replica"),
                ("dit register heeft al {count} paspoorten uit de dump (eerste {iri}): een dump begint alleen "
                 "een nieuwe kopie")),
    "scattered": (("the statements of passport {iri} are not together in the dump (a registry writes a dump "
                   "graph by graph): it cannot be read as a stream"),
                  ("de uitspraken van paspoort {iri} staan niet bij elkaar in de dump (een register schrijft een "
                   "dump graaf na graaf): hij kan niet als stroom gelezen worden")),
    "huge": ("passport {iri} has more than {limit} statements (PASSPORTS_RDF_MAX_TRIPLES)",
             "paspoort {iri} heeft meer dan {limit} uitspraken (PASSPORTS_RDF_MAX_TRIPLES)"),
})


class DumpError(HarvestError):
    """Dumps that cannot be taken in; nothing of them is stored (exit code 2)."""

    def __init__(self, url: str, key: str, **values) -> None:
        en, nl = WORDS.both(key, **values)
        RegistryError.__init__(self, WORDS.say("error", "en", url=url, problem=en),
                               message_nl=WORDS.say("error", "nl", url=url, problem=nl), status=502)
        self.url, self.key, self.values = url, key, values


__all__ = ["WORDS", "DumpError"]
