"""The recipes of the demo's object kinds: which components, which materials, plausible dimensions.

A recipe gets a ``Builder`` (its random generator, construction year and materials), adds the
object's components and material quantities, and returns the object's noun in Dutch and English.
``KINDS`` lists the kinds with their weight, construction years, service life and recipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from registry.demo.builder import REFERENCE_YEAR, Builder
from registry.demo.picks import choice, randint, weighted


def _bridge(b: Builder):
    r = b.r
    variant = weighted(r, ("road", "cycle", "foot"), (5, 3, 2))
    if variant == "road":
        span, width = r.uniform(8, 35), r.uniform(6, 14)
        prefab = r.random() < 0.4
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3" if prefab else "R8",
                      "dry" if prefab else "cast", 1 if prefab else 2)
        b.volume(deck, "concrete", span * width * r.uniform(0.45, 0.7), reusable=prefab)
        rail = b.part("railing", "Leuning", "Railing", "R3", "bolt", 0, deck)
        b.mass(rail, "steel", 2 * span * r.uniform(25, 45), reusable=True)
        wear = b.part("wearing-course", "Slijtlaag", "Wearing course", "R8", "chemical", 2, deck)
        b.area(wear, "asphalt", span * width, round(r.uniform(0.04, 0.08), 2))
    elif variant == "cycle":
        span, width = r.uniform(10, 40), r.uniform(2.5, 4.5)
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3", choice(r, ("bolt", "weld")), 1)
        b.mass(deck, "steel", span * width * r.uniform(120, 220), reusable=True)
        rail = b.part("railing", "Leuning", "Railing", "R3", "bolt", 0, deck)
        b.mass(rail, choice(r, ("steel", "stainless-steel")), 2 * span * r.uniform(18, 30),
               reusable=True)
    else:
        span, width = r.uniform(4, 15), r.uniform(1.5, 3)
        wood = "hardwood" if r.random() < 0.6 else "certified-timber"
        deck = b.part("deck", "Brugdek", "Bridge deck", "R3", "screw", 0)
        b.volume(deck, wood, span * width * 0.08)
        beams = b.part("beams", "Liggers", "Beams", "R7", "bolt", 1, deck)
        b.volume(beams, wood, span * 2 * 0.3 * 0.3)
        rail = b.part("railing", "Leuning", "Railing", "R3", "screw", 0, deck)
        b.volume(rail, wood, 2 * span * 0.012)
    ab = b.part("abutments", "Landhoofden", "Abutments", "R8", "cast", 2)
    b.volume(ab, "concrete", 2 * (width + 1) * r.uniform(2, 6))
    piles = b.part("piles", "Funderingspalen", "Foundation piles", "R9" if b.year < 1960 else "R8",
                   "cast", 2)
    if b.year < 1960 and r.random() < 0.6:
        n, length = randint(r, 16, 40), r.uniform(10, 14)
        b.length(piles, "softwood", n * length, math.pi * 0.125 ** 2)
    else:
        n, length = randint(r, 6, 24), r.uniform(12, 20)
        b.length(piles, "concrete", n * length, 0.1225)
    return ("Verkeersbrug", "Road bridge") if variant == "road" else (
        ("Fietsbrug", "Cycle bridge") if variant == "cycle" else ("Voetgangersbrug", "Footbridge"))


def _road(b: Builder):
    r = b.r
    length, width = r.uniform(50, 600), r.uniform(5, 8.5)
    area = length * width
    top = b.part("surface-course", "Deklaag", "Surface course", "R8", "chemical", 2)
    b.area(top, "asphalt", area, 0.04)
    binder = b.part("binder-course", "Tussenlaag", "Binder course", "R8", "chemical", 2)
    b.area(binder, "asphalt", area, 0.06)
    base = b.part("road-base", "Funderingslaag", "Road base", "R3", "dry", 0)
    b.area(base, "granulate", area, 0.25)
    sub = b.part("sand-bed", "Zandbed", "Sand sub-base", "R3", "dry", 0)
    t = round(r.uniform(0.3, 0.6), 2)
    b.area(sub, "sand", area, t)
    if r.random() < 0.25:
        geo = b.part("geotextile", "Geotextiel", "Geotextile", "R9", "dry", 1)
        b.mass(geo, "textile", area * 0.3)
    return "Wegvak", "Road section"


def _paving(b: Builder):
    r = b.r
    area = r.uniform(80, 2500)
    kind = weighted(r, ("concrete", "clinker", "natural-stone", "tiles"), (50, 30, 8, 12))
    nl, en, mat, t = {
        "concrete": ("Betonklinkers", "Concrete pavers", "concrete", 0.08),
        "clinker": ("Gebakken klinkers", "Clay pavers", "clinker", 0.08),
        "natural-stone": ("Natuursteen keien", "Natural stone setts", "natural-stone", 0.12),
        "tiles": ("Betontegels", "Concrete tiles", "concrete", 0.06)}[kind]
    top = b.part("pavers", nl, en, "R3", "dry", 0)
    b.area(top, mat, area, t, reusable=True)
    bed = b.part("bedding", "Straatlaag", "Bedding layer", "R3", "dry", 0)
    b.area(bed, "sand", area, 0.04)
    if r.random() < 0.5:
        base = b.part("base", "Fundering", "Base layer", "R3", "dry", 0)
        b.area(base, "granulate", area, 0.2)
    return {"concrete": ("Bestrating", "Paving"), "clinker": ("Klinkerbestrating", "Brick paving"),
            "natural-stone": ("Keienbestrating", "Cobbled paving"),
            "tiles": ("Trottoir", "Pavement")}[kind]


def _kerb(b: Builder):
    r = b.r
    length = r.uniform(20, 450)
    if r.random() < 0.85:
        kerbs = b.part("kerbstones", "Opsluitbanden", "Kerbstones", "R3", "dry", 1)
        b.length(kerbs, "concrete", length, 0.025, reusable=True)
    else:
        kerbs = b.part("kerbstones", "Natuursteen banden", "Natural stone kerbs", "R3", "dry", 1)
        b.length(kerbs, "natural-stone", length, 0.03, reusable=True)
    back = b.part("backing", "Ruggensteun", "Concrete backing", "R8", "cast", 2)
    b.volume(back, "concrete", length * r.uniform(0.015, 0.03))
    return "Trottoirband", "Kerb"


def _bench(b: Builder):
    r = b.r
    seat = b.part("seat", "Zitting", "Seat", "R3", "screw", 0)
    mat = weighted(r, ("hardwood", "recycled-plastic", "steel"), (6, 3, 1))
    b.mass(seat, mat, {"hardwood": r.uniform(35, 60), "recycled-plastic": r.uniform(40, 70),
                       "steel": r.uniform(25, 40)}[mat], reusable=True, count=1)
    frame = b.part("frame", "Onderstel", "Frame", "R3", "bolt", 0)
    fmat = weighted(r, ("cast-iron", "steel", "stainless-steel"), (4, 4.5, 1.5))
    b.mass(frame, fmat, {"cast-iron": r.uniform(50, 90), "steel": r.uniform(30, 50),
                         "stainless-steel": r.uniform(25, 40)}[fmat], reusable=True, count=1)
    anchor = b.part("anchoring", "Verankering", "Anchoring", "R8", "cast", 2)
    b.volume(anchor, "concrete", r.uniform(0.05, 0.15))
    return "Zitbank", "Bench"


def _lamp(b: Builder):
    r = b.r
    height = choice(r, (4, 5, 6, 8, 10))
    aluminium = r.random() < 0.3
    mast = b.part("mast", "Mast", "Mast", choice(r, ("R3", "R5")), "bolt" if aluminium else "dry", 0)
    b.mass(mast, "aluminium" if aluminium else "steel",
           height * (r.uniform(6, 9) if aluminium else r.uniform(14, 22)), reusable=True)
    lum = b.part("luminaire", "Armatuur", "Luminaire", "R6", "screw", 0, mast)
    b.mass(lum, "aluminium", r.uniform(5, 12), count=1)
    b.mass(lum, "glass", r.uniform(1, 3), count=1)
    if r.random() < 0.5:
        b.mass(lum, "copper", r.uniform(0.5, 2.5))
    found = b.part("foundation", "Fundering", "Foundation", "R8", "dry", 1)
    if aluminium:
        b.mass(found, "steel", r.uniform(20, 40))
    else:
        b.volume(found, "concrete", r.uniform(0.08, 0.25))
    return "Lichtmast", "Lamp post"


def _pipe_volume(diameter: float, wall: float, length: float) -> float:
    r0 = diameter / 2
    return math.pi * ((r0 + wall) ** 2 - r0 ** 2) * length


def _sewer(b: Builder):
    r = b.r
    length = r.uniform(25, 80)
    if b.year >= 1975 and r.random() < 0.45:
        d = choice(r, (0.2, 0.25, 0.315, 0.4))
        pipe = b.part("pipe", f"Rioolbuis PVC {int(d * 1000)} mm", f"PVC sewer pipe {int(d * 1000)} mm",
                      "R8", "dry", 1)
        b.length(pipe, "pvc", length, _pipe_volume(d, d / 30, 1))
    else:
        d = choice(r, (0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2))
        wall = 0.05 + 0.08 * d
        pipe = b.part("pipe", f"Rioolbuis beton {int(d * 1000)} mm",
                      f"Concrete sewer pipe {int(d * 1000)} mm", choice(r, ("R8", "R8", "R3")), "dry", 1)
        b.length(pipe, "concrete", length, _pipe_volume(d, wall, 1), reusable=True)
    fill = b.part("backfill", "Zandaanvulling", "Sand backfill", "R3", "dry", 1)
    b.volume(fill, "sand", length * (d + 0.6) * (d + 1.0))
    return "Riolering", "Sewer"


def _manhole(b: Builder):
    r = b.r
    if b.year >= 1990 and r.random() < 0.2:
        chamber = b.part("chamber", "Putlichaam", "Manhole chamber", "R8", "dry", 1)
        b.mass(chamber, choice(r, ("hdpe", "pp")), r.uniform(150, 400), count=1)
    else:
        chamber = b.part("chamber", "Putlichaam", "Manhole chamber", choice(r, ("R8", "R3")), "dry", 1)
        b.mass(chamber, "concrete", r.uniform(1500, 5000), reusable=True, count=1)
    cover = b.part("cover", "Putdeksel met raam", "Cover and frame", "R3", "dry", 0)
    b.mass(cover, "cast-iron", r.uniform(80, 160), reusable=True, count=1)
    return "Rioolput", "Manhole"


def _playground(b: Builder):
    r = b.r
    structure = b.part("structure", "Constructie", "Structure", choice(r, ("R3", "R5")), "bolt", 0)
    mat = weighted(r, ("hardwood", "steel", "stainless-steel"), (4, 4, 2))
    b.mass(structure, mat, r.uniform(200, 1500) if mat == "hardwood" else r.uniform(150, 800),
           reusable=True)
    panels = b.part("panels", "Panelen", "Panels", "R8", "screw", 0, structure)
    b.mass(panels, "recycled-plastic" if r.random() < 0.3 else "hdpe", r.uniform(20, 150))
    area = r.uniform(10, 80)
    surface = b.part("impact-surface", "Valondergrond", "Impact surface", "R3", "dry", 0)
    if r.random() < 0.5:
        b.area(surface, "rubber", area, 0.05)
    else:
        b.area(surface, "sand", area, 0.3)
    found = b.part("foundation", "Fundering", "Foundation", "R8", "cast", 2)
    b.volume(found, "concrete", r.uniform(0.1, 0.8))
    return choice(r, (("Speeltoestel", "Play equipment"), ("Klimtoestel", "Climbing frame"),
                     ("Schommel", "Swing")))


_BUILDINGS = (("Sporthal", "Sports hall"), ("Basisschool", "Primary school"),
              ("Gemeentewerf", "Municipal depot"), ("Wijkcentrum", "Community centre"),
              ("Bibliotheek", "Library"), ("Brandweerkazerne", "Fire station"),
              ("Kantoor", "Office building"))


def _building(b: Builder):
    r = b.r
    gfa = r.uniform(150, 5000)
    storeys = randint(r, 1, 4)
    footprint = gfa / storeys
    facade = 4 * math.sqrt(footprint) * 3.2 * storeys
    biobased = b.year >= 2018 and r.random() < 0.3
    structure = b.part("structure", "Draagconstructie", "Load-bearing structure",
                       "R3" if biobased else "R8", "bolt" if biobased else "cast", 1 if biobased else 2)
    if biobased:
        b.volume(structure, "certified-timber", gfa * r.uniform(0.12, 0.2))
    else:
        b.volume(structure, choice(r, ("concrete", "concrete", "recycled-concrete"))
                 if b.year >= 2010 else "concrete", gfa * r.uniform(0.35, 0.6))
        rebar = b.part("reinforcement", "Wapening", "Reinforcement", "R8", "cast", 2, structure)
        b.mass(rebar, "steel", gfa * r.uniform(25, 45))
    skin = b.part("facade", "Gevel", "Facade", "R3" if b.year < 1950 else "R8", "cast", 2)
    b.area(skin, "clinker", facade * 0.75, 0.1, reusable=b.year < 1950)
    windows = b.part("windows", "Kozijnen en beglazing", "Window frames and glazing", "R3", "screw", 1,
                     skin)
    b.area(windows, "glass", facade * 0.25, 0.012)
    if b.year >= 1990:
        b.mass(windows, "aluminium", facade * 0.25 * 4)
    else:
        b.volume(windows, "hardwood", facade * 0.25 * 0.01)
    if b.year >= 1975:
        ins = b.part("insulation", "Isolatie", "Insulation", "R8", "dry", 1, skin)
        mat = choice(r, ("hemp", "straw")) if biobased else "stone-wool"
        b.volume(ins, mat, facade * 0.75 * 0.12)
    roof = b.part("roof", "Dak", "Roof", "R8", "glue", 2)
    b.mass(roof, "bitumen", footprint * r.uniform(4, 7))
    if r.random() < 0.5:
        b.mass(roof, "zinc", 4 * math.sqrt(footprint) * r.uniform(2, 3.5))
    found = b.part("foundation", "Fundering", "Foundation", "R9", "cast", 2)
    b.volume(found, "concrete", footprint * r.uniform(0.2, 0.4))
    return choice(r, _BUILDINGS)


def _quay(b: Builder):
    r = b.r
    length, height = r.uniform(20, 250), r.uniform(2, 6)
    if b.year < 1950 and r.random() < 0.5:
        wall = b.part("wall", "Gemetselde kademuur", "Masonry quay wall", "R3", "cast", 2)
        b.volume(wall, "clinker", length * height * 0.8, reusable=True)
    elif r.random() < 0.3:
        wall = b.part("wall", "Houten beschoeiing", "Timber revetment", "R7", "nail", 1)
        b.volume(wall, "hardwood", length * (height + 2) * 0.1)
    else:
        wall = b.part("sheet-piling", "Damwand", "Sheet piling", "R3", "dry", 1)
        area = length * (height + 5)
        b.area(wall, "steel", area, 0.018, reusable=True)
        anchors = b.part("anchors", "Verankering", "Anchors", "R8", "bolt", 2, wall)
        b.mass(anchors, "steel", length / 2.5 * r.uniform(150, 250))
    cap = b.part("capping-beam", "Deksloof", "Capping beam", "R8", "cast", 2)
    b.length(cap, "concrete", length, 0.48)
    return "Kademuur", "Quay wall"


def _fence(b: Builder):
    r = b.r
    length = r.uniform(10, 300)
    mat = weighted(r, ("steel", "softwood", "hardwood", "recycled-plastic"), (6, 2, 1, 1))
    panels = b.part("panels", "Hekwerkpanelen", "Fence panels", "R3", "bolt", 0)
    if mat in ("steel", "recycled-plastic"):
        b.mass(panels, mat, length * r.uniform(8, 16), reusable=True)
    else:
        b.length(panels, mat, length, 0.02)
    posts = b.part("posts", "Palen", "Posts", "R3", "dry", 1)
    n = max(2, int(length / 2.5))
    if mat == "steel":
        b.mass(posts, "steel", n * r.uniform(10, 18), reusable=True)
    else:
        b.volume(posts, "hardwood" if mat != "softwood" else "softwood", n * 0.1 * 0.1 * 2.2)
    footings = b.part("footings", "Poeren", "Footings", "R8", "cast", 2)
    b.volume(footings, "concrete", n * 0.05)
    return "Hekwerk", "Fence"


def _sign(b: Builder):
    r = b.r
    plate = b.part("plate", "Bord", "Sign plate", choice(r, ("R8", "R3")), "screw", 0)
    b.mass(plate, "aluminium", r.uniform(2, 6), count=1)
    post = b.part("post", "Paal", "Post", "R3", "dry", 0)
    if r.random() < 0.7:
        b.mass(post, "steel", r.uniform(12, 25), reusable=True, count=1)
    else:
        b.mass(post, "aluminium", r.uniform(6, 12), count=1)
    foot = b.part("foot", "Voet", "Foot", "R8", "cast", 2)
    b.volume(foot, "concrete", r.uniform(0.03, 0.08))
    return "Verkeersbord", "Traffic sign"


def _culvert(b: Builder):
    r = b.r
    length = r.uniform(6, 30)
    d = choice(r, (0.4, 0.6, 0.8, 1.0, 1.25, 1.5))
    if b.year >= 1985 and r.random() < 0.25:
        pipe = b.part("pipe", "Duikerbuis", "Culvert pipe", "R3", "dry", 1)
        b.length(pipe, "hdpe", length, _pipe_volume(d, d / 20, 1))
    else:
        wall = 0.06 + 0.08 * d
        pipe = b.part("pipe", "Duikerbuis", "Culvert pipe", choice(r, ("R3", "R8")), "dry", 1)
        b.length(pipe, "concrete", length, _pipe_volume(d, wall, 1), reusable=True)
    heads = b.part("headwalls", "Kopmuren", "Headwalls", "R8", "cast", 2)
    b.volume(heads, "concrete", 2 * r.uniform(1, 4))
    bed = b.part("bed-protection", "Bodembescherming", "Bed protection", "R3", "dry", 0)
    b.mass(bed, "natural-stone", r.uniform(2000, 15000), reusable=True)
    return "Duiker", "Culvert"


def _tree(b: Builder):
    r = b.r
    age = max(5, REFERENCE_YEAR - b.year)
    trunk_d = min(1.0, 0.05 + age * r.uniform(0.005, 0.009))
    height = min(25.0, 3 + age * r.uniform(0.2, 0.3))
    wood = b.part("trunk-crown", "Stam en kroon", "Trunk and crown", choice(r, ("R7", "R8", "R9")),
                  None, 0)
    # trunk as a cylinder with form factor 0.5, crown wood another 30 %
    b.volume(wood, "hardwood", math.pi * (trunk_d / 2) ** 2 * height * 0.5 * 1.3)
    pit = b.part("tree-pit", "Groeiplaats", "Tree pit", "R3", "dry", 0)
    b.volume(pit, "soil", r.uniform(6, 30))
    if r.random() < 0.3:
        grate = b.part("tree-grate", "Boomrooster", "Tree grate", "R3", "dry", 0)
        b.mass(grate, "cast-iron", r.uniform(80, 200), reusable=True, count=1)
    return choice(r, (("Straatboom eik", "Street tree oak"), ("Straatboom linde", "Street tree lime"),
                     ("Straatboom es", "Street tree ash"), ("Straatboom plataan", "Street tree plane")))


def _bin(b: Builder):
    r = b.r
    body = b.part("bin", "Bak", "Bin", "R3", "bolt", 0)
    mat = weighted(r, ("steel", "hdpe", "recycled-plastic"), (5, 3, 2))
    b.mass(body, mat, r.uniform(15, 35) if mat == "steel" else r.uniform(8, 15), count=1)
    post = b.part("post", "Paal", "Post", "R3", "dry", 0)
    b.mass(post, "steel", r.uniform(8, 15), reusable=True, count=1)
    foot = b.part("foot", "Voet", "Foot", "R8", "cast", 2)
    b.volume(foot, "concrete", r.uniform(0.02, 0.05))
    return "Afvalbak", "Litter bin"


@dataclass(frozen=True)
class Kind:
    cls: str  # local name of the mp: class
    slug: str  # key prefix, e.g. "brug" -> brug-000042
    code: str  # source identifier prefix, e.g. "BR" -> BR-000042
    weight: float
    years: tuple[int, int, int]  # earliest, latest, most common construction year
    life: tuple[int, int]  # service life in years: mean, standard deviation
    recipe: object


KINDS: tuple[Kind, ...] = (
    Kind("Bridge", "brug", "BR", 2, (1930, 2025, 1975), (80, 15), _bridge),
    Kind("RoadSection", "wegvak", "WV", 6, (1960, 2025, 2000), (30, 8), _road),
    Kind("Paving", "bestrating", "BS", 14, (1960, 2025, 1995), (35, 10), _paving),
    Kind("Kerb", "band", "BD", 12, (1960, 2025, 1990), (45, 10), _kerb),
    Kind("Bench", "bank", "BK", 6, (1985, 2026, 2012), (20, 5), _bench),
    Kind("LampPost", "lichtmast", "LM", 14, (1970, 2026, 2005), (40, 8), _lamp),
    Kind("SewerPipe", "riool", "RL", 12, (1930, 2025, 1970), (70, 15), _sewer),
    Kind("Manhole", "put", "PT", 10, (1930, 2025, 1972), (60, 15), _manhole),
    Kind("PlaygroundEquipment", "speeltoestel", "ST", 3, (1995, 2026, 2015), (18, 4), _playground),
    Kind("Building", "gebouw", "GB", 1.5, (1900, 2025, 1975), (75, 20), _building),
    Kind("Quay", "kademuur", "KD", 1, (1900, 2025, 1965), (60, 15), _quay),
    Kind("Fence", "hekwerk", "HK", 3, (1985, 2026, 2010), (25, 6), _fence),
    Kind("TrafficSign", "verkeersbord", "VB", 8, (1990, 2026, 2012), (18, 5), _sign),
    Kind("Culvert", "duiker", "DK", 2, (1930, 2025, 1975), (60, 15), _culvert),
    Kind("Tree", "boom", "BM", 8, (1930, 2024, 1985), (60, 20), _tree),
    Kind("StreetFurniture", "afvalbak", "AB", 5, (1995, 2026, 2014), (15, 4), _bin),
)
