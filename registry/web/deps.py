"""What routes depend on, as ``Annotated`` aliases (as full-stack-fastapi-template's ``api/deps.py``):
a route says what it needs in its signature.

- ``BearerCredentials``: the request's ``Authorization: Bearer`` credentials, or None.
- ``TokenMunicipality``: the CBS code the request's bearer token may write for, else HTTP 401
  with a ``WWW-Authenticate`` challenge (RFC 6750).
- ``write_locks``: the app's two locks, for writes and for dry runs (the write and import APIs).

The tokens themselves are kept by ``registry.store.tokens``; this module is their HTTP side.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.exceptions import HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registry.store.tokens import TokenError, TokenRecord, TokenStore

bearer = HTTPBearer(auto_error=False, scheme_name="municipalityToken",
                    description="A municipality's write token, made with "
                                "`passports token create --municipality GMxxxx`.")

BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def _unauthorized(message: str, error: str | None = "invalid_token") -> HTTPException:
    challenge = 'Bearer realm="passports"'
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    return HTTPException(401, detail=message, headers={"WWW-Authenticate": challenge})


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> TokenRecord:
    """The token record of a request, or HTTP 401 with a ``WWW-Authenticate`` challenge (RFC 6750)."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise _unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request")
        raise _unauthorized("this needs a municipality's token: send 'Authorization: Bearer <token>' "
                            "(an administrator makes one with `passports token create`)", None)
    store = TokenStore(request.app.state.settings.tokens_path)
    try:
        record = store.verify(credentials.credentials)
    except TokenError:
        raise HTTPException(503, detail="the token store cannot be read; tell the administrator")
    if record is None:
        raise _unauthorized("the token is unknown or revoked; ask your administrator for a new one")
    request.state.token = record
    return record


def require_municipality(request: Request, credentials: BearerCredentials) -> str:
    """FastAPI dependency: the CBS code the request's bearer token may write for, else HTTP 401."""
    return authenticate(request, credentials).municipality


TokenMunicipality = Annotated[str, Depends(require_municipality)]


def write_locks(request: Request) -> tuple[asyncio.Lock, asyncio.Lock]:
    """The app's lock for writes and its lock for dry runs (made on first use)."""
    state = request.app.state
    if not hasattr(state, "write_lock"):
        state.write_lock, state.dry_run_lock = asyncio.Lock(), asyncio.Lock()
    return state.write_lock, state.dry_run_lock
