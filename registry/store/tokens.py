"""Bearer tokens per municipality for the write API: created once, stored only as a hash.

A token looks like ``mpt.<id>.<secret>``: ``id`` (12 hex digits) names the record in
``DATA/tokens.json`` and is safe to show in lists and logs; ``secret`` is 32 random bytes
(``secrets.token_urlsafe``) and is printed once by ``passports token create``, never stored.

Only ``sha256(salt || token)`` is stored, with a 16-byte random salt per token. A slow hash
(scrypt, bcrypt) exists to make guessing *low-entropy* passwords expensive; a 256-bit random
secret cannot be guessed whatever the hash costs, so a fast hash keeps every request cheap while
a leaked tokens.json still reveals no usable token. The salt only keeps equal tokens from having
equal hashes. Comparison is constant-time (``hmac.compare_digest``).

The file is rewritten atomically (temporary file in the same folder, then ``os.replace``) under an
advisory lock, so a ``passports token revoke`` while the server runs is seen by the very next
request: the server re-reads the (small) file on every authenticated request. How a request shows
its token (the bearer-token dependency of the write API) is the web app's: ``registry.web.deps``.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from registry.core.errors import RegistryError
from registry.core.resources import ONTOLOGY_DIR
from registry.model.vocab import MPV, RDF_TYPE, mp

TOKEN_PREFIX = "mpt"
_TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}\.([0-9a-f]{{12}})\.([A-Za-z0-9_-]{{43}})$")
_MUNICIPALITY_IRI = re.compile(rf"^{re.escape(MPV)}municipality/(GM[0-9]{{4}})$")
ORGANISATIONS_FILE = ONTOLOGY_DIR / "organisations.ttl"


class TokenError(RegistryError, ValueError):
    """A token request that cannot be done (unknown municipality, unknown id), with what to do."""


@functools.lru_cache(maxsize=4)
def _municipalities_in(path: Path, mtime_ns: int) -> frozenset[str]:
    codes = set()
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if quad.predicate == RDF_TYPE and quad.object == mp("Municipality") \
                and isinstance(quad.subject, ox.NamedNode):
            match = _MUNICIPALITY_IRI.match(quad.subject.value)
            if match:
                codes.add(match[1])
    return frozenset(codes)


def known_municipalities(path: Path = ORGANISATIONS_FILE) -> frozenset[str]:
    """CBS codes of the ``mpv:municipality/GMxxxx`` subjects typed ``mp:Municipality``."""
    try:
        return _municipalities_in(path, path.stat().st_mtime_ns)
    except (OSError, SyntaxError) as exc:
        raise TokenError(f"cannot read the municipalities from {path}: {exc}",
                         message_nl=f"kan de gemeenten niet lezen uit {path}: {exc}") from exc


@dataclass
class TokenRecord:
    """What is stored about one token (never the token itself)."""

    id: str
    municipality: str
    label: str
    created: str
    salt: str
    hash: str
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def public(self) -> dict:
        """The fields that may be shown: no salt, no hash."""
        return {"id": self.id, "municipality": self.municipality, "label": self.label,
                "created": self.created, "revoked": self.revoked}


def _digest(salt: bytes, token: str) -> str:
    return hashlib.sha256(salt + token.encode("ascii")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class TokenStore:
    """The tokens of one registry instance, in ``DATA/tokens.json``."""

    def __init__(self, path: Path, organisations: Path = ORGANISATIONS_FILE):
        self.path = Path(path)
        self.organisations = organisations

    # -- file --------------------------------------------------------------------------------
    def _read(self) -> list[TokenRecord]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(text)
            return [TokenRecord(**item) for item in data["tokens"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenError(f"{self.path} is damaged ({exc}); restore it from a backup or move it "
                             "away and create new tokens",
                             message_nl=f"{self.path} is beschadigd ({exc}); zet het terug uit een reservekopie "
                                        "of zet het opzij en maak nieuwe tokens") from exc

    def _write(self, records: list[TokenRecord]) -> None:
        data = {"format": "passports-tokens/1", "tokens": [asdict(r) for r in records]}
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp creates it with mode 0600
                json.dump(data, out, indent=2)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self) -> Iterator[list[TokenRecord]]:
        """Read-modify-write under an advisory lock, so two CLI runs never lose an update."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            records = self._read()
            yield records
            self._write(records)

    # -- commands ----------------------------------------------------------------------------
    def create(self, municipality: str, label: str = "") -> tuple[TokenRecord, str]:
        """A new token for ``municipality``; returns the record and the token (shown only now)."""
        code = municipality.strip().upper()
        known = known_municipalities(self.organisations)
        if code not in known:
            codes = ", ".join(sorted(known))
            raise TokenError(f"{municipality!r} is not a known municipality; use one of the CBS codes "
                             f"in {self.organisations.name}: {codes}",
                             message_nl=f"{municipality!r} is geen bekende gemeente; gebruik een van de CBS-codes "
                                        f"in {self.organisations.name}: {codes}")
        with self._locked() as records:
            ids = {r.id for r in records}
            token_id = secrets.token_hex(6)
            while token_id in ids:
                token_id = secrets.token_hex(6)
            token = f"{TOKEN_PREFIX}.{token_id}.{secrets.token_urlsafe(32)}"
            salt = secrets.token_bytes(16)
            record = TokenRecord(token_id, code, label.strip(), _now(), salt.hex(), _digest(salt, token))
            records.append(record)
        return record, token

    def list(self) -> list[TokenRecord]:
        return self._read()

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token by its id; revoking a revoked token is an error that says when."""
        with self._locked() as records:
            for record in records:
                if record.id == token_id.strip():
                    if record.revoked:
                        raise TokenError(f"token {record.id} was already revoked at {record.revoked}",
                                         message_nl=f"token {record.id} is al ingetrokken op {record.revoked}")
                    record.revoked = _now()
                    return record
        raise TokenError(f"no token with id {token_id!r}; `passports token list` shows the ids",
                         message_nl=f"geen token met id {token_id!r}; `passports token list` toont de ids")

    def verify(self, token: str) -> TokenRecord | None:
        """The active record the token belongs to, or None (unknown, malformed or revoked)."""
        match = _TOKEN_RE.match(token)
        token_id = match[1] if match else ""
        record = next((r for r in self._read() if r.id == token_id), None)
        if record is None:
            _digest(b"\0" * 16, token if token.isascii() else "")  # same work when unknown
            return None
        expected = _digest(bytes.fromhex(record.salt), token)
        if not hmac.compare_digest(expected, record.hash) or not record.active:
            return None
        return record
