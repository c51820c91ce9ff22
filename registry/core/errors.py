"""The one root of every error the registry reports to a person: :class:`RegistryError`.

Each error carries what the web app answers (an HTTP status, extra headers, a message in Dutch
and in English) and what the command line exits with (2: the input or the environment is wrong;
1 is kept for "ran, but the data does not conform", 0 for success; see ``registry.cli``). The web
app turns any ``RegistryError`` into a response in one handler; the command line prints it and
exits in one place. Subclasses say *what* went wrong; they keep their older built-in bases
(``ValueError``, ``LookupError``) where callers catch those.
"""

from __future__ import annotations

# CLI exit codes, the same for every command (as pySHACL's): documented in the README.
EXIT_OK = 0
EXIT_NOT_CONFORMING = 1
EXIT_ERROR = 2


class RegistryError(Exception):
    """An error with a status for the web, an exit code for the CLI and a message in nl and en.

    >>> error = RegistryError("no such passport", message_nl="dat paspoort bestaat niet", status=404)
    >>> error.status, error.message("nl"), str(error)
    (404, 'dat paspoort bestaat niet', 'no such passport')
    """

    status: int = 400
    exit_code: int = EXIT_ERROR

    def __init__(self, message: str = "", *, message_nl: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message_en = message
        self.message_nl = message_nl or message
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` ("nl" or "en"); English where no Dutch text was given."""
        return self.message_nl if lang == "nl" else self.message_en
