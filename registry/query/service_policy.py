"""Which SERVICE endpoints a public query may call, and what else the endpoint reads off the text.

pyoxigraph evaluates ``SERVICE <url>`` by fetching the URL itself and has no switch to turn that
off, so a public endpoint that passed every query on would fetch any URL anyone names
(server-side request forgery). Before a query runs, :func:`check_services` finds every SERVICE
clause and refuses the query unless each names an endpoint on the allow-list (the setting
``PASSPORTS_SERVICE_ALLOWLIST``: space-separated IRIs of peer registries' SPARQL endpoints).

The check works on SPARQL's tokens, not on the raw text: comments, string literals and IRIs are
skipped the way a SPARQL parser skips them, so ``# SERVICE`` or ``"SERVICE"`` are no calls while
``service`` in any letter case is. A SERVICE endpoint written as a prefixed name is expanded with
the query's PREFIX declarations and a relative IRI is resolved against its BASE; an endpoint given
as a variable is refused because it can only be known at run time. Text the lexer cannot tokenize
(an unterminated string or IRI) is refused when it mentions ``service`` at all. pyoxigraph reads
``\\uXXXX`` escapes only inside strings and IRIs; the text is also lexed once with every escape
expanded, and a SERVICE found either way counts, so a future parser that expands escapes
everywhere (as SPARQL 1.1 section 19.2 allows) cannot slip one past.

An allow-list entry matches an endpoint IRI that is equal to it, or, when the entry ends in
``/``, one that starts with it (``https://peer.example/`` allows ``https://peer.example/sparql``
but ``https://peer.example`` does not allow ``https://peer.example.evil/``). Both are compared in
their normal form (:func:`normalised_iri`): the peer's server resolves ``..`` before it answers,
so ``http://host/peer/../admin/sparql`` is ``http://host/admin/sparql`` and ``http://host/peer/``
does not allow it, whether the dots are written plainly, percent-encoded (``%2e%2e``) or after
doubled slashes. A path that servers read in different ways (an encoded slash or backslash, a
backslash, a dot segment with parameters as in ``..;x``) or a user name in the IRI is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from registry.core.errors import RegistryError

ALLOWLIST_SETTING = "PASSPORTS_SERVICE_ALLOWLIST"


class ServiceRefused(RegistryError, ValueError):
    """A query that calls a SERVICE endpoint which is not allowed."""

    status = 403


@dataclass(frozen=True)
class Token:
    kind: str  # word, pname, iri, var, punct
    text: str
    pos: int


_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<lstring>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<bnode>_:[\w.\-\u00B7]*)
  | (?P<pname>(?:[^\W\d_][\w.\-\u00B7]*)?:(?:(?:[\w:%]|\\[_~.\-!$&'()*+,;=/?\#@%])(?:[\w.:%\-\u00B7]|\\[_~.\-!$&'()*+,;=/?\#@%])*)?)
  | (?P<word>[^\W\d][\w\-]*)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<unterminated>["'<])
  | (?P<punct>.)
""", re.VERBOSE | re.DOTALL)

_ESCAPE_RE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


class _Untokenizable(ValueError):
    pass


def tokens(text: str) -> list[Token]:
    """The query's tokens without whitespace, comments and strings (kept as kind ``string``)."""
    out: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        if kind == "unterminated":
            # A lone '<' is the less-than operator; an unterminated quote cannot be skipped safely.
            if m.group() == "<":
                out.append(Token("punct", "<", m.start()))
                continue
            raise _Untokenizable(f"unterminated string at character {m.start()}")
        if kind in ("lstring", "string"):
            out.append(Token("string", "", m.start()))
            continue
        text_ = m.group()
        if kind == "pname" and text_.endswith(".") and not text_.endswith("\\."):
            # A local name cannot end in '.', that dot ends the triple.
            text_ = text_.rstrip(".")
        out.append(Token(kind, text_, m.start()))
    return out


def expand_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@dataclass(frozen=True)
class ServiceCall:
    endpoint: str | None  # the resolved IRI, None when given as a variable
    written: str  # as written in the query
    silent: bool


def _service_calls(toks: list[Token]) -> list[ServiceCall]:
    prefixes: dict[str, str] = {}
    base: str | None = None
    calls: list[ServiceCall] = []
    i = 0
    n = len(toks)
    while i < n:
        tok = toks[i]
        word = tok.text.upper() if tok.kind == "word" else None
        if word == "PREFIX" and i + 2 < n and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri":
            iri = toks[i + 2].text[1:-1]
            prefixes[toks[i + 1].text.rstrip(":").split(":")[0]] = urljoin(base, iri) if base else iri
            i += 3
            continue
        if word == "BASE" and i + 1 < n and toks[i + 1].kind == "iri":
            iri = toks[i + 1].text[1:-1]
            base = urljoin(base, iri) if base else iri
            i += 2
            continue
        if tok.kind in ("word", "pname") and tok.text[:7].upper() == "SERVICE":
            # pyoxigraph's parser needs no space after a keyword: "SERVICE<x>", "SERVICESILENT<x>"
            # and even "servicex:y" (SERVICE + the prefixed name x:y) all call a service.
            rest = tok.text[7:]
            silent = False
            if rest[:6].upper() == "SILENT":
                silent, rest = True, rest[6:]
            j = i + 1
            if not rest and not silent and j < n and toks[j].kind == "word" and toks[j].text.upper() == "SILENT":
                silent = True
                j += 1
            if rest:
                target: Token | None = Token("pname" if ":" in rest else "word", rest, tok.pos + 7)
            else:
                target = toks[j] if j < n else None
                j += 1
            if target is None:
                calls.append(ServiceCall(None, "", silent))
            elif target.kind == "iri":
                iri = target.text[1:-1]
                calls.append(ServiceCall(urljoin(base, iri) if base else iri, target.text, silent))
            elif target.kind == "pname":
                prefix, _, local = target.text.partition(":")
                ns = prefixes.get(prefix)
                endpoint = ns + _PN_LOCAL_ESCAPE.sub(r"\1", local) if ns is not None else None
                calls.append(ServiceCall(endpoint, target.text, silent))
            elif target.kind == "word" and rest:
                i += 1  # "services", "serviceType": a longer word, not the keyword
                continue
            else:  # a variable, or something a parser would reject: never allowed
                calls.append(ServiceCall(None, target.text, silent))
            i = j
            continue
        i += 1
    return calls


def service_calls(query: str, lexed: list[Token] | _Untokenizable | None = None) -> list[ServiceCall]:
    """Every SERVICE clause in ``query`` (lexed as written and with ``\\u`` escapes expanded);
    ``lexed``: the tokens of ``query`` as written (or the error lexing it), when already known."""
    calls: list[ServiceCall] = []
    for text in dict.fromkeys((query, expand_escapes(query))):
        if "service" not in text.lower():
            continue
        try:
            toks = lexed if text is query and lexed is not None else tokens(text)
            if isinstance(toks, _Untokenizable):
                raise toks
            calls.extend(_service_calls(toks))
        except _Untokenizable as exc:
            raise ServiceRefused(
                f"the query mentions SERVICE but could not be checked ({exc}); fix the quoting "
                "and send it again") from None
    return calls


_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|5[fF]|7[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA])")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalised_iri(iri: str) -> str | None:
    """``iri`` as a server reads it, for comparing with the allow-list (RFC 3986 section 6.2.2):
    scheme and host in lower case, no default port, percent-encoded unreserved characters decoded,
    runs of slashes collapsed and dot segments removed in the path. None when the IRI cannot be
    compared safely: a user name, a host with escapes, or a path with an encoded slash or
    backslash, a backslash or a dot segment with parameters (``..;x``), which servers read in
    different ways.

    >>> normalised_iri("HTTP://Peer.Example:80/a/./b/%2E%2e//c?x")
    'http://peer.example/a/c?x'
    """
    try:
        parts = urlsplit(iri)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return None
    if "@" in parts.netloc or "%" in host:
        return None
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), parts.path)
    path = _ESCAPE.sub(lambda m: m.group().upper(), path)
    if "\\" in path or "%2F" in path or "%5C" in path:
        return None
    segments = re.sub("/{2,}", "/", path).split("/")
    kept: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and len(kept) > 1:
                kept.pop()
            if last:
                kept.append("")
            continue
        if segment.split(";")[0] in (".", ".."):
            return None
        kept.append(segment)
    return urlunsplit((scheme, netloc, "/".join(kept), parts.query, parts.fragment))


def is_allowed(endpoint: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    target = normalised_iri(endpoint)
    if target is None:
        return False
    for raw in allowlist:
        entry = normalised_iri(raw)
        if entry is not None and (target == entry or (entry.endswith("/") and target.startswith(entry))):
            return True
    return False


def check_services(query: str, allowlist: tuple[str, ...] | list[str],
                   bound: dict[str, str] | None = None,
                   lexed: list[Token] | _Untokenizable | None = None) -> list[str]:
    """Raise :class:`ServiceRefused` unless every SERVICE endpoint is allow-listed; return them.

    ``bound``: variables the server binds itself (a saved query's parameters, as substitutions) to
    IRIs: ``SERVICE ?peer`` with ``?peer`` bound there counts as a call to that IRI (the regional
    saved queries, docs/federation.md). A variable bound by the query itself is still refused.
    ``lexed``: the query's tokens when the caller has them already."""
    endpoints: list[str] = []
    for call in service_calls(query, lexed):
        name = call.written[1:] if call.written[:1] in "?$" and call.written else None
        if call.endpoint is None and name and bound and name in bound:
            call = ServiceCall(bound[name], call.written, call.silent)
        if call.endpoint is None:
            shown = call.written or "(nothing)"
            raise ServiceRefused(
                f"SERVICE {shown}: the endpoint must be a fixed IRI on the allow-list; a variable or an "
                f"undeclared prefix cannot be checked. Allowed endpoints are set in {ALLOWLIST_SETTING} "
                f"({_describe(allowlist)})")
        if not is_allowed(call.endpoint, allowlist):
            norm = normalised_iri(call.endpoint)
            read_as = (" (its path cannot be compared safely: an encoded slash or backslash, a "
                       "backslash, '..;' or a user name)" if norm is None
                       else f" (read as <{norm}>)" if norm != call.endpoint else "")
            raise ServiceRefused(
                f"SERVICE <{call.endpoint}>{read_as} is not allowed: this endpoint only calls peer "
                f"registries listed in {ALLOWLIST_SETTING} ({_describe(allowlist)}); remove the SERVICE "
                "clause or ask the operator to add the endpoint")
        endpoints.append(call.endpoint)
    return endpoints


def _describe(allowlist) -> str:
    return "now: " + " ".join(allowlist) if allowlist else "now empty, so no SERVICE is allowed"


def has_dataset_clause(query: str, lexed: list[Token] | _Untokenizable | None = None) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED).

    Such a query must not be run with the union default graph: pyoxigraph's union flag would
    override its FROM clauses.
    """
    if "from" not in query.lower():
        return False
    try:
        toks = tokens(query) if lexed is None else lexed
    except _Untokenizable:
        return False  # the parser will reject the query anyway
    if isinstance(toks, _Untokenizable):
        return False
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in toks)


def inspect(query: str, allowlist: tuple[str, ...] | list[str], bound: dict[str, str] | None = None) -> bool:
    """The checks the endpoint makes on a query's text before it runs, on one lexing of it:
    :func:`check_services` (raises :class:`ServiceRefused`), then whether it names its own
    dataset (:func:`has_dataset_clause`, returned). Most queries mention neither SERVICE nor FROM
    and are not lexed at all; pyoxigraph parses the query once more, in the query worker."""
    lowered = query.lower()
    if "service" not in lowered and "from" not in lowered:
        return False
    lexed: list[Token] | _Untokenizable
    try:
        lexed = tokens(query)
    except _Untokenizable as exc:
        lexed = exc
    check_services(query, allowlist, bound, lexed)
    return has_dataset_clause(query, lexed)
