"""Who the client is: the address every per-client budget is keyed on.

The address is the socket's peer. A reverse proxy in front of the server makes every request come
from the proxy's address; then the proxy's ``X-Forwarded-For`` names the real client, but only a
proxy the operator trusts may say so: anyone else could rotate that header to get a fresh budget
for every request. uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 unless told otherwise, so
whoever starts uvicorn passes :func:`server_options` (``passports serve`` and the tests' live
server do): proxy headers are read only from the addresses and networks of
``PASSPORTS_TRUSTED_PROXIES``, and not at all when it is empty (the default).
"""

from __future__ import annotations

from starlette.requests import Request

from registry.core.settings import Settings


def scope_client_id(scope) -> str:
    """The client address of an ASGI ``scope``."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def client_id(request: Request) -> str:
    """The client address of ``request``."""
    return scope_client_id(request.scope)


def server_options(settings: Settings | None) -> dict:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: whose proxy headers to believe."""
    trusted = list(settings.trusted_proxies) if settings is not None else []
    if not trusted:
        # uvicorn would otherwise believe X-Forwarded-For from loopback (or $FORWARDED_ALLOW_IPS)
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}
