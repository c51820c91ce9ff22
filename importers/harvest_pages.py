"""Reading another registry's change feed (docs/feed.md) for ``passports harvest``: fetching one
page within the limits (``PASSPORTS_HARVEST_TIMEOUT``, ``PASSPORTS_HARVEST_MAX_PAGE_BYTES``,
``PASSPORTS_HARVEST_MAX_PAGE_MEMBERS``) and reading its members, in the order the page lists them,
with the checks a hostile peer must not get past: invalid RDF, a page over a limit, members out of
time order, a member without its time or passport. Every problem is a :class:`HarvestError` naming
the page, before anything of the page is taken in.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.phrases import Wording
from registry.core.settings import Settings
from registry.model.documents import LimitError, ParseLimits
from registry.model.prescan import check as prescan
from registry.model.vocab import DCTERMS, PROV, RDF_TYPE

LDES, TREE, AS = "https://w3id.org/ldes#", "https://w3id.org/tree#", "https://www.w3.org/ns/activitystreams#"
MEMBER, VIEW, RELATION = (ox.NamedNode(TREE + n) for n in ("member", "view", "relation"))
NODE, VALUE = ox.NamedNode(TREE + "node"), ox.NamedNode(TREE + "value")
EVENT_STREAM, DELETE = ox.NamedNode(LDES + "EventStream"), ox.NamedNode(AS + "Delete")
IS_VERSION_OF, GENERATED_AT = ox.NamedNode(DCTERMS + "isVersionOf"), ox.NamedNode(PROV + "generatedAtTime")
ACCEPT = "application/n-quads, application/trig;q=0.9"
FORMATS = {"application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}
VERSION_IRI = re.compile(r"^(?P<passport>(?P<base>.+/)id/passport/[^/]+/[^/]+)/v/(?P<n>[1-9][0-9]{0,8})$")
RETRIES_429 = 3
VERSION_INFO = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")

WORDS = Wording({
    "error": ("{url}: {problem}", "{url}: {problem}"),
    "timeout": ("no answer within {seconds:g} s (PASSPORTS_HARVEST_TIMEOUT)",
                "geen antwoord binnen {seconds:g} s (PASSPORTS_HARVEST_TIMEOUT)"),
    "transport": ("the connection failed or the page ended before its declared length ({detail})",
                  "de verbinding mislukte of de pagina hield op voor haar opgegeven lengte ({detail})"),
    "status": ("the peer answered HTTP {status}", "de andere kant antwoordde HTTP {status}"),
    "too_big": ("the page is larger than {limit} bytes (PASSPORTS_HARVEST_MAX_PAGE_BYTES)",
                "de pagina is groter dan {limit} bytes (PASSPORTS_HARVEST_MAX_PAGE_BYTES)"),
    "too_many": ("the page holds {count} members, more than {limit} (PASSPORTS_HARVEST_MAX_PAGE_MEMBERS)",
                 "de pagina bevat {count} leden, meer dan {limit} (PASSPORTS_HARVEST_MAX_PAGE_MEMBERS)"),
    "format": ("the page is {type!r}, not N-Quads or TriG", "de pagina is {type!r}, geen N-Quads of TriG"),
    "rdf": ("invalid RDF: {detail}", "ongeldige RDF: {detail}"),
    "no_stream": ("no ldes:EventStream with a tree:view here: is this the root of a feed?",
                  "hier staat geen ldes:EventStream met een tree:view: is dit het begin van een feed?"),
    "member": ("member {member}: {detail}", "lid {member}: {detail}"),
    "no_time": ("no xsd:dateTime prov:generatedAtTime", "geen xsd:dateTime prov:generatedAtTime"),
    "no_passport": ("no dcterms:isVersionOf naming a passport version {{passport}}/v/N",
                    "geen dcterms:isVersionOf die een paspoortversie {{paspoort}}/v/N noemt"),
    "twice": ("listed twice", "staat er twee keer in"),
    "order": (("its time {time} is before {before}, the time of the member before it: the page is not "
               "in time order"),
              ("zijn tijd {time} ligt voor {before}, de tijd van het lid ervoor: de pagina staat niet in "
               "tijdsvolgorde")),
    "relations": ("more than one tree:relation; a feed of versions has one next page",
                  "meer dan één tree:relation; een feed van versies heeft één volgende pagina"),
    "loop": ("the page links back to {target}, a page taken in before: the feed loops",
             "de pagina verwijst terug naar {target}, een pagina die al is overgenomen: de feed loopt rond"),
})


class HarvestError(RegistryError):
    """A page of a peer's feed that cannot be taken in; nothing of it is stored (exit code 2)."""

    def __init__(self, url: str, key: str, detail_key: str = "", **values) -> None:
        if detail_key:  # a member's problem: its own text in each language
            en = WORDS.say(key, "en", detail=WORDS.say(detail_key, "en", **values), **values)
            nl = WORDS.say(key, "nl", detail=WORDS.say(detail_key, "nl", **values), **values)
        else:
            en, nl = WORDS.both(key, **values)
        super().__init__(WORDS.say("error", "en", url=url, problem=en),
                         message_nl=WORDS.say("error", "nl", url=url, problem=nl), status=502)
        self.url, self.key, self.values = url, key, values


@dataclass
class Member:
    iri: str
    passport: str
    base: str  # the base IRI of the registry the passport belongs to
    version: int
    retired: bool
    time: datetime
    quads: list[ox.Quad] = field(default_factory=list)  # the version's graph


@dataclass
class Page:
    url: str
    members: list[Member]
    next_url: str | None
    next_value: datetime | None


def client(settings: Settings) -> httpx.Client:
    return httpx.Client(timeout=settings.harvest_timeout, follow_redirects=False,
                        headers={"Accept": ACCEPT, "User-Agent": "passports-harvest"})


def fetch(http: httpx.Client, url: str, settings: Settings) -> tuple[bytes, str]:
    """The body and media type of ``url``; a 429 is waited out (``Retry-After``, at most 60 s) a
    few times; the whole answer must arrive within the timeout and the byte limit."""
    limit, seconds = settings.harvest_max_page_bytes, settings.harvest_timeout
    for attempt in range(RETRIES_429 + 1):
        deadline = time.monotonic() + seconds
        try:
            with http.stream("GET", url) as answer:
                if answer.status_code == 429 and attempt < RETRIES_429:
                    wait = answer.headers.get("retry-after", "1")
                    time.sleep(min(60.0, float(wait) if wait.isdigit() else 1.0))
                    continue
                if answer.status_code != 200:
                    raise HarvestError(url, "status", status=answer.status_code)
                declared = answer.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise HarvestError(url, "too_big", limit=limit)
                chunks, size = [], 0
                for chunk in answer.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise HarvestError(url, "too_big", limit=limit)
                    if time.monotonic() > deadline:
                        raise HarvestError(url, "timeout", seconds=seconds)
                    chunks.append(chunk)
                media_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
                return b"".join(chunks), media_type
        except httpx.TimeoutException:
            raise HarvestError(url, "timeout", seconds=seconds) from None
        except httpx.HTTPError as exc:
            raise HarvestError(url, "transport", detail=str(exc) or type(exc).__name__) from None
    raise HarvestError(url, "status", status=429)


def parse(url: str, body: bytes, media_type: str, settings: Settings) -> list[ox.Quad]:
    fmt = FORMATS.get(media_type)
    if fmt is None:
        raise HarvestError(url, "format", type=media_type)
    try:
        prescan(body, fmt, ParseLimits.from_settings(settings), url)
        return list(ox.parse(body, format=fmt, base_iri=url))
    except LimitError as exc:
        raise HarvestError(url, "rdf", detail=exc.message("en")) from None
    except (SyntaxError, ValueError) as exc:
        raise HarvestError(url, "rdf", detail=str(exc)) from None


def first_page(http: httpx.Client, url: str, settings: Settings) -> tuple[str, str]:
    """The stream IRI and the first page of the feed whose root is ``url``."""
    return stream_root(http, url, settings)[:2]


def stream_root(http: httpx.Client, url: str, settings: Settings) -> tuple[str, str, str]:
    """The stream IRI, the first page and the epoch (``owl:versionInfo``, "" when not given) of
    the feed whose root is ``url``."""
    quads = parse(url, *fetch(http, url, settings), settings)
    for quad in quads:
        if quad.predicate == RDF_TYPE and quad.object == EVENT_STREAM and quad.graph_name == ox.DefaultGraph():
            view = next((q.object for q in quads if q.subject == quad.subject and q.predicate == VIEW), None)
            epoch = next((q.object.value for q in quads if q.subject == quad.subject and q.predicate == VERSION_INFO
                          and isinstance(q.object, ox.Literal)), "")
            if isinstance(view, ox.NamedNode):
                return quad.subject.value, view.value, epoch
    raise HarvestError(url, "no_stream")


def read_page(http: httpx.Client, url: str, settings: Settings, after: datetime | None, stream: str = "") -> Page:
    """Page ``url`` with every check; ``after``: the time no member may be before; ``stream``:
    the event stream whose members are read (any, when not known)."""
    quads = parse(url, *fetch(http, url, settings), settings)
    default = [q for q in quads if q.graph_name == ox.DefaultGraph()]
    graphs: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, []).append(quad)
    listed = [q.object for q in default if q.predicate == MEMBER and (not stream or q.subject.value == stream)]
    if len(listed) > settings.harvest_max_page_members:
        raise HarvestError(url, "too_many", count=len(listed), limit=settings.harvest_max_page_members)
    members: list[Member] = []
    seen: set[str] = set()
    for node in listed:
        member = _member(url, node, default, graphs)
        if member.iri in seen:
            raise HarvestError(url, "member", "twice", member=member.iri)
        seen.add(member.iri)
        if after is not None and member.time < after:
            raise HarvestError(url, "member", "order", member=member.iri, time=member.time.isoformat(),
                               before=after.isoformat())
        after = member.time
        members.append(member)
    return Page(url, members, *_next(url, default))


def _values(default: list[ox.Quad], subject, predicate) -> list[ox.Term]:
    return [q.object for q in default if q.subject == subject and q.predicate == predicate]


def _member(url: str, node: ox.Term, default: list[ox.Quad], graphs: dict[str, list[ox.Quad]]) -> Member:
    name = str(node)
    times = [t for t in _values(default, node, GENERATED_AT)
             if isinstance(t, ox.Literal) and t.datatype.value.endswith("#dateTime")]
    moment = _time(times[0].value) if len(times) == 1 else None
    if moment is None:
        raise HarvestError(url, "member", "no_time", member=name)
    retired = DELETE in _values(default, node, RDF_TYPE)
    version_iri = name.strip("<>").removesuffix("#retired") if retired else name.strip("<>")
    match = VERSION_IRI.match(version_iri)
    passports = _values(default, node, IS_VERSION_OF)
    if not isinstance(node, ox.NamedNode) or match is None or passports != [ox.NamedNode(match["passport"])]:
        raise HarvestError(url, "member", "no_passport", member=name)
    return Member(node.value, match["passport"], match["base"], int(match["n"]), retired, moment,
                  [] if retired else graphs.get(version_iri, []))


def _time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _next(url: str, default: list[ox.Quad]) -> tuple[str | None, datetime | None]:
    relations = _values(default, ox.NamedNode(url), RELATION)
    if len(relations) > 1:
        raise HarvestError(url, "relations")
    if not relations:
        return None, None
    nodes = _values(default, relations[0], NODE)
    values = _values(default, relations[0], VALUE)
    target = nodes[0].value if nodes and isinstance(nodes[0], ox.NamedNode) else None
    value = _time(values[0].value) if values and isinstance(values[0], ox.Literal) else None
    return target, value


__all__ = ["VERSION_IRI", "HarvestError", "Member", "Page", "client", "fetch", "first_page", "read_page", "stream_root"]
