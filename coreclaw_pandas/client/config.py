"""Where a client's settings come from: arguments first, then the environment, then defaults.

Resolved once, when a :class:`~coreclaw_pandas.client.Client` is built (never at
import time), and checked there, so a bad URL or version fails with a message
that names the setting to fix.

Two settings are cleaned because they leak otherwise. A key read from a file often
ends in a newline: surrounding whitespace is stripped, and a key with any other
character outside printable ASCII is refused, by position and code point, never
shown. A ``user:password@`` in the base URL is removed (with a warning) and never
used: CoreClaw authenticates by key only, and the URL is shown in reprs, frame
provenance and the About sheet of every workbook.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .. import _config, _warnings
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
    source = "the api_key argument" if api_key is not None else _config.ENV_API_KEY
    key = _clean_key(
        api_key if api_key is not None else os.environ.get(_config.ENV_API_KEY) or None, source
    )
    url = _without_userinfo(
        base_url or os.environ.get(_config.ENV_BASE_URL) or _config.DEFAULT_BASE_URL
    )
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


def _clean_key(key: str | None, source: str) -> str | None:
    """The key without surrounding whitespace; refused if anything else is off.

    Raises:
        ConfigurationError: Naming the problem and its position, never the key.
    """
    if not key:
        return None
    stripped = key.strip()
    if not stripped:
        raise ConfigurationError(
            f"The API key from {source} is empty once surrounding whitespace is removed. "
            "Copy the key again from the CoreClaw Console (API keys)."
        )
    for position, char in enumerate(stripped, start=1):
        if not "!" <= char <= "~":  # a header value that is neither cut nor re-encoded
            kind = "a control character" if not char.isprintable() else "not printable ASCII"
            if char.isspace():
                kind = "whitespace"
            raise ConfigurationError(
                f"The API key from {source} contains U+{ord(char):04X} ({kind}) at position "
                f"{position} of {len(stripped)}; keys are printable ASCII without spaces. "
                "Copy the key again from the CoreClaw Console (API keys), or check the file "
                "or variable it was read from."
            )
    return stripped


def _without_userinfo(url: str) -> str:
    """``url`` without a ``user:password@`` part, which is never sent nor shown."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url  # the scheme check reports it
    if "@" not in parts.netloc:
        return url.strip()
    host = parts.netloc.rpartition("@")[2]
    _warnings.warn(
        UserWarning(
            "The base URL carried a user:password@ part; it was removed and is not used "
            "(CoreClaw authenticates with the API key only, and the URL is shown in reprs, "
            "frames and workbooks). Pass the key as api_key instead."
        )
    )
    return urlunsplit(parts._replace(netloc=host))
