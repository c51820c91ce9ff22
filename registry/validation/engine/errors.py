"""The one error of the compiled engine: a shapes graph it cannot compile."""

from __future__ import annotations

from registry.core.errors import RegistryError


class Unsupported(RegistryError, ValueError):
    """The shapes use a feature this engine does not implement."""
