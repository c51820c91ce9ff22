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
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registry.core.phrases import Wording
from registry.store.tokens import TokenError, TokenRecord, TokenStore
from registry.web.errors import Refusal

WORDS = Wording({
    "scheme": ("the Authorization header must be 'Bearer <token>'",
               "de Authorization-header moet 'Bearer <token>' zijn"),
    "missing": (("this needs a municipality's token: send 'Authorization: Bearer <token>' (an administrator makes "
                "one with `passports token create`)"),
                ("hiervoor is het token van een gemeente nodig: stuur 'Authorization: Bearer <token>' (een beheerder "
                "maakt er een met `passports token create`)")),
    "store": ("the token store cannot be read; tell the administrator",
              "de tokens kunnen niet worden gelezen; meld het de beheerder"),
    "unknown": ("the token is unknown or revoked; ask your administrator for a new one",
                "het token is onbekend of ingetrokken; vraag uw beheerder om een nieuw"),
})

bearer = HTTPBearer(auto_error=False, scheme_name="municipalityToken",
                    description="A municipality's write token, made with "
                                "`passports token create --municipality GMxxxx`.")

BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def _unauthorized(key: str, error: str | None = "invalid_token") -> Refusal:
    """401 with the challenge of RFC 6750 (its description in English: a header is ASCII)."""
    challenge = 'Bearer realm="passports"'
    if error:
        challenge += f', error="{error}", error_description="{WORDS.say(key)}"'
    return Refusal(401, WORDS.both(key), headers={"WWW-Authenticate": challenge})


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> TokenRecord:
    """The token record of a request, or HTTP 401 with a ``WWW-Authenticate`` challenge (RFC 6750)."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise _unauthorized("scheme", "invalid_request")
        raise _unauthorized("missing", None)
    store = TokenStore(request.app.state.settings.tokens_path)
    try:
        record = store.verify(credentials.credentials)
    except TokenError:
        raise Refusal(503, WORDS.both("store")) from None
    if record is None:
        raise _unauthorized("unknown")
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
