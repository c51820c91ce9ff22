"""Passport keys from the source's own IDs.

The passport key is made from the source's own ID, deterministically: the ID itself when it is
already a valid key (``BR-0042``), else its ASCII letters and digits joined by ``-`` plus 8 hex
digits of its SHA-1 (``Brug 12/a`` -> ``Brug-12-a-6c1f3b0e``), so two IDs never share a key. The
mapping's ``key.prefix`` goes in front. The same row always gives the same passport, so importing
the same file twice changes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

from registry.model.uris import KEY_PATTERN

_KEY_RE = re.compile(rf"^{KEY_PATTERN}$")


def make_key(prefix: str, source_id: str) -> str:
    """The passport key for a source ID (see the module docstring)."""
    if _KEY_RE.match(prefix + source_id):
        return prefix + source_id
    ascii_text = unicodedata.normalize("NFKD", source_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_text).strip("-._")
    digest = hashlib.sha1(source_id.encode("utf-8")).hexdigest()[:8]
    room = 128 - len(prefix) - 9
    key = f"{prefix}{slug[:room]}-{digest}" if slug else f"{prefix}id-{digest}"
    if not key[0].isalnum():
        key = "k" + key[1:]
    return key


@functools.lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """``text`` as a lower-case ASCII slug of at most 60 characters (component keys)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "x"
