"""Planning the demo objects: all randomness happens here, from one ``random.Random(seed)``.

``planner_for(seed, municipalities)`` checks that the ontology has what the recipes need and
returns a ``Planner``; ``Planner.assets(size)`` plans one object after another (kind, phase,
construction year, condition, recipe, location, expected release, valuations), in a fixed order,
so the same seed gives the same objects.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator
from functools import lru_cache

from registry.demo.builder import REFERENCE_YEAR, Asset, Builder, DemoError
from registry.demo.picks import choice, cumulative, pick, randint
from registry.demo.recipes import KINDS
from registry.model.reference import (
    ORGANISATIONS_FILE,
    Material,
    Municipality,
    load_factor_scores,
    load_materials,
    load_municipalities,
)

STREETS = ("Kerkstraat", "Molenstraat", "Stationsstraat", "Schoolstraat", "Dorpsstraat",
           "Julianastraat", "Wilhelminastraat", "Beatrixstraat", "Kanaalstraat", "Markt",
           "Nieuwstraat", "Hoofdstraat", "Bornsestraat", "Haaksbergerstraat", "Oldenzaalsestraat",
           "Deventerstraat", "Zutphensestraat", "Apeldoornseweg", "Twentekanaal", "Esweg",
           "Veldweg", "Brinkstraat", "Parkweg", "Sportlaan", "Industrieweg", "Havenstraat",
           "Bleekweg", "Beekstraat", "Oranjestraat", "Marktstraat", "Lindenlaan", "Eikenlaan",
           "Berkenlaan", "Rijksweg", "Grotestraat", "Dijkstraat", "Hengelosestraat",
           "Enschedesestraat", "Vaassenseweg", "IJsselkade", "Spoorstraat", "Burgemeester Jansenlaan")

_PHASES = (("management", 78), ("end-of-use", 5), ("realisation", 5), ("design", 5),
           ("tendering", 3), ("exploration", 2), ("initiative", 2))
_ANGLES = (("public-space", 74), ("purchasing", 12), ("area-development", 10), ("businesses", 2),
           ("residents", 2))
_PLANNED = frozenset({"initiative", "exploration", "design", "tendering"})
_CONDITION_FACTOR = {None: 1.0, 1: 1.0, 2: 0.95, 3: 0.85, 4: 0.7, 5: 0.5, 6: 0.3}


def detachability_index(scores: Iterable[float]) -> float:
    """The detachability index (*losmaakbaarheidsindex*) of one component from its factor scores.

    Harmonic mean of the four factor scores (connection type, accessibility, intersection,
    product edge), each 0.1..1.0: ``LI = n / sum(1 / f_i)``. The harmonic mean lets the weakest
    factor weigh most, which is how the Dutch method v2.0 (Van Vliet et al., DGBC 2021) describes
    its product-level formula; we are not certain that the published formula is exactly this
    one-stage harmonic mean rather than a two-stage one (connection and composition first), so
    change this function if the normative text says otherwise. Rounded to two decimals.
    """
    values = [max(float(s), 0.01) for s in scores]
    if not values:
        raise DemoError("a detachability index needs at least one factor score",
                        message_nl="een losmaakbaarheidsindex heeft minstens één factorscore nodig")
    return round(len(values) / sum(1.0 / v for v in values), 2)


_KIND_CUM = cumulative(k.weight for k in KINDS)
_PHASE_ITEMS, _PHASE_CUM = tuple(p for p, _ in _PHASES), cumulative(w for _, w in _PHASES)
_ANGLE_ITEMS, _ANGLE_CUM = tuple(a for a, _ in _ANGLES), cumulative(w for _, w in _ANGLES)
_CHUNK = 512  # assets planned ahead, so RD coordinates can be projected in one pyproj call


class Planner:
    """Plans assets one after another from one ``random.Random(seed)``: all randomness is here."""

    def __init__(self, seed: int, municipalities: list[Municipality]):
        self.r = random.Random(seed)
        self.municipalities = municipalities
        self.materials, self.materials_source = load_materials()
        self.recent_end_of_use: dict[str, deque] = {m.code: deque(maxlen=16) for m in municipalities}
        self.factor_scores = load_factor_scores()
        self.ranked = {s: sorted(v, key=lambda k: -v[k]) for s, v in self.factor_scores.items()}
        self._assessments: dict[tuple, tuple[list, float]] = {}
        self._to_rd = None

    def assets(self, size: int) -> Iterator[Asset]:
        chunk: list[Asset] = []
        for number in range(1, size + 1):
            chunk.append(self.plan(number))
            if len(chunk) == _CHUNK:
                self._project(chunk)
                yield from chunk
                chunk = []
        if chunk:
            self._project(chunk)
            yield from chunk

    def _project(self, chunk: list[Asset]) -> None:
        """RD New coordinates for the assets that record their location in RD."""
        rd = [a for a in chunk if a.rd]
        if not rd:
            return
        if self._to_rd is None:
            from pyproj import Transformer
            self._to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
        xs, ys = self._to_rd.transform([a.lon for a in rd], [a.lat for a in rd])
        for a, x, y in zip(rd, xs, ys):
            a.x, a.y = x, y

    def plan(self, number: int) -> Asset:
        r = self.r
        m = choice(r, self.municipalities)
        kind = pick(r, KINDS, _KIND_CUM)
        phase = pick(r, _PHASE_ITEMS, _PHASE_CUM)
        planned = phase in _PLANNED
        a = Asset()
        a.kind, a.gm, a.number, a.phase = kind, m.code, number, phase
        a.key = f"{kind.slug}-{number:06d}"
        a.street = choice(r, STREETS)
        lo, hi, mode = kind.years
        life_mean, life_sd = kind.life
        if planned:
            year = REFERENCE_YEAR + randint(r, 1, 3)
        elif phase == "realisation":
            year = REFERENCE_YEAR  # being delivered now: condition 1 at delivery
        elif phase == "end-of-use":
            year = min(int(r.triangular(lo, REFERENCE_YEAR - 10, mode)), REFERENCE_YEAR - 10)
        else:
            year = int(r.triangular(lo, hi, mode))
        a.year = year
        # condition (NEN 2767): worse with age relative to service life; none before it is built
        if year > REFERENCE_YEAR or planned:
            a.condition = None
        elif phase == "end-of-use":
            a.condition = choice(r, (4, 5, 5, 6))
        else:
            # most assets past their service life are kept at condition 4-5 by maintenance
            frac = min(1.2, (REFERENCE_YEAR - year) / life_mean)
            a.condition = max(1, min(6, round(1 + 2.8 * frac ** 1.5 + r.gauss(0, 0.5))))
        a.angle = "area-development" if kind.cls == "Building" and planned \
            else pick(r, _ANGLE_ITEMS, _ANGLE_CUM)
        a.maintainer = None
        if kind.cls in ("Culvert", "Quay") and m.region == "twente" and r.random() < 0.4:
            a.maintainer = "waterschap-vechtstromen"
        elif kind.cls == "Bridge" and m.region == "twente" and r.random() < 0.1:
            a.maintainer = "provincie-overijssel"
        elif kind.cls == "StreetFurniture" and m.region == "stedendriehoek" and r.random() < 0.5:
            a.maintainer = "circulus"
        # the recipe; planned objects are tendered with circular criteria (secondary material)
        b = Builder(r, self.materials, year, self._assess)
        if planned:
            b.circular = 0.5
        a.noun_nl, a.noun_en = kind.recipe(b)
        a.parts = b.parts
        a.flat = b.flat
        a.strategy = b.parts[0].strategy  # the recipe's main component decides the object's route
        # location: around the centre, inside the municipality's bbox (projected to RD later)
        x0, y0, x1, y1 = m.bbox
        cx, cy = m.centroid
        mx, my = (x1 - x0) * 0.01, (y1 - y0) * 0.01
        a.lon = min(max(r.gauss(cx, (x1 - x0) / 5), x0 + mx), x1 - mx)
        a.lat = min(max(r.gauss(cy, (y1 - y0) / 5), y0 + my), y1 - my)
        a.rd = r.random() < 0.6
        a.x = a.y = None
        # expected release: construction year + service life (with spread)
        release = int(year + max(5.0, r.gauss(life_mean, life_sd)))
        if phase == "end-of-use":
            release = REFERENCE_YEAR + randint(r, 0, 1)
        elif release <= REFERENCE_YEAR:
            release = REFERENCE_YEAR + randint(r, 1, 6)  # overdue: replacement is planned
        a.release_year, a.release_month = release, 1 + int(r.random() * 12)
        a.release_quality = _release_quality(r, a.strategy, a.condition, phase)
        # predecessor: reused material that moved on from an earlier end-of-use passport
        recent = self.recent_end_of_use[m.code]
        a.predecessor = None
        if recent and r.random() < 0.5 and any(
                am.origin == "secondary" for _, p in a.flat for am in p.amounts):
            a.predecessor = r.choice(recent)
        if phase == "end-of-use":
            recent.append(a.key)
        a.valuations = self._valuations(a, b.value)
        return a

    def _assess(self, connection: str, level: int) -> tuple[list, float]:
        """The four detachability factors of a component and its index; each of the three factors
        after the connection type is one step worse than typical in 1 of 5 cases."""
        u = self.r.random()
        key = (connection, level, u < 0.2, (u * 5) % 1 < 0.2, (u * 25) % 1 < 0.2)
        assessed = self._assessments.get(key)
        if assessed is None:
            assessed = self._assessments[key] = self._assessment(*key)
        return assessed

    def _assessment(self, connection: str, level: int, *worse: bool) -> tuple[list, float]:
        picks = [("connectiontype", connection)]
        for scheme, shift in zip(("accessibility", "intersection", "productedge"), worse):
            options = self.ranked[scheme]
            i = round((len(options) - 1) * level / 2) + shift
            picks.append((scheme, options[min(i, len(options) - 1)]))
        return picks, detachability_index(self.factor_scores[s][local] for s, local in picks)

    def _valuations(self, a: Asset, value: float) -> list[tuple[int, str, float]]:
        r = self.r
        base_value = value * _CONDITION_FACTOR[a.condition]
        if a.phase == "end-of-use":
            method = "residual"
        elif a.kind.cls == "Building" and r.random() < 0.3:
            method = "replacement"
        else:
            method = "book" if r.random() < 0.1 else "market"
        years = (REFERENCE_YEAR,)
        if a.phase in ("management", "end-of-use") and a.year <= REFERENCE_YEAR - 5 \
                and r.random() < 0.35:
            years = range(REFERENCE_YEAR - randint(r, 2, 5) + 1, REFERENCE_YEAR + 1)
        factor = 0.6 if method == "book" else 1.0
        return [(y, method, max(0.01, round(base_value * factor * (1 + 0.035 * (y - REFERENCE_YEAR))
                                            * r.uniform(0.95, 1.05), 2))) for y in years]


def _release_quality(r: random.Random, strategy: str, condition: int | None, phase: str) -> str:
    rank = int(strategy[1:])
    if phase == "end-of-use" and condition == 6:
        return "downcycle" if r.random() < 0.5 else "waste"
    if rank <= 3:
        return "reuse-as-is" if r.random() < 0.5 else "reuse-after-repair"
    if rank <= 7:
        return "reuse-after-repair"
    if rank == 8:
        return "recycle" if r.random() < 0.75 else "downcycle"
    return "waste"


def select_municipalities(municipalities) -> list[Municipality]:
    """The municipalities of ``organisations.ttl`` with these CBS codes (None: all), in order."""
    known = load_municipalities()
    if municipalities is None:
        return list(known.values())
    codes = [municipalities] if isinstance(municipalities, str) else list(municipalities)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DemoError(f"unknown municipality code(s) {', '.join(unknown)}: use CBS codes from "
                        f"{ORGANISATIONS_FILE.name}, e.g. {', '.join(list(known)[:3])}",
                        message_nl=f"onbekende gemeentecode {', '.join(unknown)}: gebruik CBS-codes uit "
                        f"{ORGANISATIONS_FILE.name}, bijv. {', '.join(list(known)[:3])}")
    if not codes:
        raise DemoError("no municipalities selected: pass None for all, or a list of CBS codes",
                        message_nl="geen gemeenten gekozen: geef er geen op voor alle, of een lijst CBS-codes")
    return [known[c] for c in dict.fromkeys(codes)]


def planner_for(seed: int, municipalities) -> Planner:
    """A planner over the selected municipalities, after checking the ontology has what it needs."""
    planner = Planner(seed, select_municipalities(municipalities))
    missing = sorted(m for m in recipe_materials() if m not in planner.materials)
    if missing:
        raise DemoError(f"{planner.materials_source} has no mp:defaultDensity/mp:defaultPricePerTonne "
                        f"for material(s) {', '.join(missing)} that the demo recipes use: add them",
                        message_nl=f"{planner.materials_source} heeft geen mp:defaultDensity/"
                        f"mp:defaultPricePerTonne voor materiaal/materialen {', '.join(missing)} die de "
                        "demo gebruikt: voeg ze toe")
    absent = sorted(c for c in recipe_connections() if c not in planner.factor_scores["connectiontype"])
    if absent:
        raise DemoError(f"connection type(s) {', '.join(absent)} have no mp:score in ontology/*.ttl "
                        "(mpv:connectiontype/...): add them",
                        message_nl=f"verbindingstypen {', '.join(absent)} hebben geen mp:score in "
                        "ontology/*.ttl (mpv:connectiontype/...): voeg ze toe")
    return planner


@lru_cache(maxsize=1)
def recipe_materials() -> frozenset[str]:
    """Every material the recipes can use (found by running them with a probing builder)."""
    return frozenset(_probe()[0])


@lru_cache(maxsize=1)
def recipe_connections() -> frozenset[str]:
    return frozenset(_probe()[1])


@lru_cache(maxsize=1)
def _probe() -> tuple[set[str], set[str]]:
    class _AnyMaterial(dict):
        def __missing__(self, key):
            return Material(key, key, 1000.0, 1.0)

    used, connections = set(), set()
    r = random.Random(0)
    for kind in KINDS:
        for year in (1930, 1955, 1980, 2000, 2020, 2027):
            for _ in range(60):
                b = Builder(r, _AnyMaterial(), year)
                kind.recipe(b)
                for _, p in b.flat:
                    used.update(am.material for am in p.amounts)
                    if p.connection:
                        connections.add(p.connection)
    return used, connections
