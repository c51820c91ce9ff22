"""Reading request bodies with a size limit, refused (413) as soon as the limit is known to be
passed: by ``Content-Length`` before anything is read, or while streaming. The one body reader of
the SPARQL endpoint, the write API and the import upload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import BinaryIO

from fastapi import Request

from registry.core.errors import RegistryError


class BodyTooLarge(RegistryError):
    status = 413


def declared_length(request: Request) -> int | None:
    """The ``Content-Length`` the client declared, or None; 400 when it is not a number."""
    length = request.headers.get("content-length")
    if length is None:
        return None
    if not length.strip().isdigit():
        raise RegistryError(f"Content-Length {length!r} is not a number",
                            message_nl=f"Content-Length {length!r} is geen getal", status=400)
    return int(length)


async def body_chunks(request: Request, limit: int, too_large: RegistryError) -> AsyncIterator[bytes]:
    """The body's chunks; raises ``too_large`` once the body is known to be over ``limit`` bytes."""
    length = declared_length(request)
    if length is not None and length > limit:
        raise too_large
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        yield chunk


async def read_body(request: Request, limit: int, too_large: RegistryError) -> bytes:
    """The whole body as bytes, at most ``limit`` of them."""
    return b"".join([chunk async for chunk in body_chunks(request, limit, too_large)])


async def copy_body(request: Request, target: BinaryIO, limit: int, too_large: RegistryError) -> int:
    """Write the body to ``target`` (a local file); the number of bytes written."""
    size = 0
    async for chunk in body_chunks(request, limit, too_large):
        target.write(chunk)
        size += len(chunk)
    return size
