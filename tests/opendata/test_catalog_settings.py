"""The catalog's settings: licence (CC0 1.0 by default, CC BY 4.0 on request, anything else
refused in English and Dutch rather than published under another licence than meant),
publisher and contact point."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.core.settings import Settings
from registry.views.opendata.catalog import catalog_triples
from registry.views.opendata.facts import Facts, Place
from registry.views.opendata.terms import LicenceError

BASE = "http://localhost:8000/"
FACTS = Facts([Place("https://w3id.org/materiaalpaspoort/id/municipality/GM0153", "GM0153", "Enschede",
                     "Enschede", "https://identifier.overheid.nl/tooi/id/gemeente/gm0153",
                     "POLYGON((6.78 52.16, 6.98 52.16, 6.98 52.28, 6.78 52.28, 6.78 52.16))",
                     "POINT(6.893 52.221)", 3, "2026-01-02T10:00:00Z", "2026-03-04T11:00:00Z")],
              "https://w3id.org/materiaalpaspoort/def/0.1.0")


def values(triples, subject: str, predicate: str) -> set[str]:
    return {t.object.value for t in triples if t.subject.value == subject and t.predicate.value == predicate}


@pytest.mark.parametrize(("setting", "licence"), [
    ("CC0-1.0", "CC0"), ("cc-by-4.0", "CC_BY_4_0"), ("CC-BY-4.0", "CC_BY_4_0")])
def test_the_licence_setting_is_on_the_catalog_and_every_distribution(tmp_path, setting, licence):
    triples = catalog_triples(Settings(data_dir=tmp_path, base_iri=BASE, data_licence=setting), BASE, FACTS, [])
    licences = {t.object.value for t in triples if t.predicate.value == "http://purl.org/dc/terms/license"}
    assert licences == {f"http://publications.europa.eu/resource/authority/licence/{licence}"}
    distributions = {t.subject.value for t in triples if t.object == ox.NamedNode("http://www.w3.org/ns/dcat#Distribution")}
    assert distributions and all(values(triples, d, "http://purl.org/dc/terms/license") for d in distributions)


def test_an_unknown_licence_is_refused_in_both_languages(tmp_path):
    with pytest.raises(LicenceError) as refused:
        catalog_triples(Settings(data_dir=tmp_path, base_iri=BASE, data_licence="CC-BY"), BASE, FACTS, [])
    assert "'CC-BY'" in refused.value.message("en") and "CC0-1.0, CC-BY-4.0" in refused.value.message("en")
    assert "kies een van" in refused.value.message("nl")


def test_publisher_and_contact_come_from_the_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, base_iri=BASE, publisher_name="Regio Twente",
                        publisher_iri="https://www.regiotwente.nl/", contact_email="data@example.nl")
    triples = catalog_triples(settings, BASE, FACTS, [])
    assert values(triples, BASE + "catalog", "http://purl.org/dc/terms/publisher") == {"https://www.regiotwente.nl/"}
    assert values(triples, "https://www.regiotwente.nl/", "http://xmlns.com/foaf/0.1/name") == {"Regio Twente"}
    contact = values(triples, BASE + "catalog", "http://www.w3.org/ns/dcat#contactPoint").pop()
    assert values(triples, contact, "http://www.w3.org/2006/vcard/ns#hasEmail") == {"mailto:data@example.nl"}
    defaults = catalog_triples(Settings(data_dir=tmp_path, base_iri=BASE), BASE, FACTS, [])
    assert values(defaults, BASE + "catalog", "http://purl.org/dc/terms/publisher") == {BASE + "catalog#publisher"}
    assert values(defaults, BASE + "catalog#contact", "http://www.w3.org/2006/vcard/ns#hasURL") == {BASE}
