"""When the storage under the registry fails: a full disk, a data directory that cannot be written,
a store held by another process. Each becomes a :class:`StoreError` (HTTP 503, CLI exit 2) that
names the data directory, what failed and what to do, instead of an ``OSError`` traceback.

A write that fails this way has stored nothing: a passport batch is one transaction, or a bulk
load behind a journal that is undone at once (or at the next opening, when undoing needs the disk
too); the store opens afterwards with what it held before.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.core.errors import RegistryError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


# What was being done, in English and Dutch.
ACTIONS = {
    "open": ("opening the store", "het openen van de opslag"),
    "write": ("storing the passports", "het opslaan van de paspoorten"),
    "retire": ("retiring the passport", "het intrekken van het paspoort"),
    "compact": ("compacting the store", "het compacteren van de opslag"),
    "close": ("closing the store", "het sluiten van de opslag"),
}


class StoreError(RegistryError, RuntimeError):
    """A store that cannot be opened or written, with what to do about it."""

    status = 503


def describe(exc: OSError, data_dir: Path, action: str) -> StoreError:
    """The :class:`StoreError` for ``exc``, raised while doing ``action`` (a key of ``ACTIONS``)
    in ``data_dir``. RocksDB reports its errors as text ("IO error: No space left on device"), so
    the text is read as well as the error number."""
    action, action_nl = ACTIONS[action]
    text = str(exc)
    low = text.lower()
    where = str(data_dir)
    if exc.errno in FULL or "no space left" in low or "quota exceeded" in low:
        return StoreError(
            f"the disk holding the data directory {where} is full: {action} failed and changed nothing. "
            "Free space on that disk (or move the data directory, PASSPORTS_DATA) and try again.",
            message_nl=f"de schijf met de datamap {where} is vol: {action_nl} is mislukt en er is niets "
                       "veranderd. Maak ruimte vrij op die schijf (of verplaats de datamap, "
                       "PASSPORTS_DATA) en probeer het opnieuw.")
    if exc.errno in DENIED or "permission denied" in low or "read-only file system" in low:
        return StoreError(
            f"the data directory {where} cannot be written ({exc.strerror or text}): {action} failed "
            "and changed nothing. Make it writable for the user running passports (or point "
            "PASSPORTS_DATA elsewhere) and try again.",
            message_nl=f"de datamap {where} is niet schrijfbaar ({exc.strerror or text}): {action_nl} is "
                       "mislukt en er is niets veranderd. Maak haar schrijfbaar voor de gebruiker die "
                       "passports draait (of wijs PASSPORTS_DATA elders heen) en probeer het opnieuw.")
    if "lock" in low:
        return StoreError(
            f"the data directory {where} is in use by another process (a running `passports serve` "
            "or `passports add`?). Stop it, or write through its API.",
            message_nl=f"de datamap {where} is in gebruik door een ander proces (een draaiende "
                       "`passports serve` of `passports add`?). Stop dat, of schrijf via zijn API.")
    return StoreError(
        f"{action[0].upper()}{action[1:]} failed in the data directory {where}: {text}. Check the "
        "disk and the directory, then try again.",
        message_nl=f"{action_nl[0].upper()}{action_nl[1:]} is mislukt in de datamap {where}: {text}. "
                   "Controleer de schijf en de map en probeer het opnieuw.")


@contextmanager
def storage_errors(data_dir: Path, action: str) -> Iterator[None]:
    """Turn an ``OSError`` of the storage, while doing ``action`` (a key of ``ACTIONS``), into a
    :class:`StoreError` (``describe``)."""
    try:
        yield
    except StoreError:
        raise
    except OSError as exc:
        raise describe(exc, data_dir, action) from exc


__all__ = ["ACTIONS", "StoreError", "describe", "storage_errors"]
