"""Where a client's settings come from: arguments first, then the environment, then defaults.

Resolved once, when a :class:`~coreclaw_pandas.client.Client` is built (never at
import time), and checked there, so a bad URL or version fails with a message
that names the setting to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .. import _config
from ..exceptions import ConfigurationError
from .v1 import V1
from .v2 import V2

__all__ = ["Settings", "WIRES", "resolve"]

#: The API versions this client speaks, by the name ``api_version=`` takes.
WIRES: dict[str, type[V1] | type[V2]] = {"v1": V1, "v2": V2}


@dataclass(frozen=True)
class Settings:
    """A client's connection settings, resolved and checked.

    Attributes:
        api_key: The key, or None (public calls only).
        base_url: The API root, starting with http:// or https://.
        api_version: A key of :data:`WIRES`.
    """

    api_key: str | None
    base_url: str
    api_version: str

    @property
    def wire(self) -> type[V1] | type[V2]:
        """The wire class of :attr:`api_version`."""
        return WIRES[self.api_version]

    def __repr__(self) -> str:
        # The key is deliberately absent: reprs end up in tracebacks and notebooks.
        return (
            f"Settings(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"key_set={self.api_key is not None})"
        )


def resolve(
    api_key: str | None = None, *, base_url: str | None = None, api_version: str | None = None
) -> Settings:
    """Settings from the arguments, else ``CORECLAW_*`` variables, else the defaults.

    Raises:
        ConfigurationError: An unknown API version or a base URL that is not http(s).
    """
    key = api_key if api_key is not None else os.environ.get(_config.ENV_API_KEY) or None
    url = base_url or os.environ.get(_config.ENV_BASE_URL) or _config.DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"The base URL {url!r} must start with http:// or https://; check "
            f"{_config.ENV_BASE_URL} or the base_url argument."
        )
    version = (api_version or os.environ.get(_config.ENV_API_VERSION) or "").strip().lower()
    version = version or _config.DEFAULT_API_VERSION
    if version not in WIRES:
        raise ConfigurationError(
            f"API version {version!r} is not supported; use one of {sorted(WIRES)} "
            f"(api_version= or {_config.ENV_API_VERSION})."
        )
    return Settings(key, url, version)
