"""A local server that speaks CoreClaw REST API v1 and v2, for tests and offline use.

It is an independent oracle of the wire contract: nothing here imports the
client side of ``coreclaw_pandas``. Start it with ``python -m
coreclaw_pandas.emulator`` or from Python::

    from coreclaw_pandas.emulator import Emulator

    with Emulator() as emu:
        print(emu.url, emu.api_key)

See docs/emulator.md for the knobs, fault injection and the choices made where
the API contract is silent.
"""

from __future__ import annotations

import logging

from .control import Emulator

# Quiet by default: without this, Python's last-resort handler would print our
# warnings to stderr. Applications opt in by configuring logging themselves.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Emulator"]
