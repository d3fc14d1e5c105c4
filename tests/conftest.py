"""Shared fixtures: one emulator per session over real HTTP, reset before each test.

Also the repository root and the read-only CoreClaw reference folder, which sits
beside the checkout (``../shared/coreclaw-reference``); tests that read it skip,
saying so, where it is absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The one place the reference folder's location is written.
SHARED_REFERENCE = (ROOT.parent / "shared" / "coreclaw-reference").resolve()
NO_REFERENCE = f"the shared reference folder is not beside this checkout ({SHARED_REFERENCE})"

#: Instants where calendar arithmetic breaks if it is wrong: month and year edges in UTC
#: and in the platform's zone (Beijing, UTC+8), a leap day, and an ordinary mid-month.
CALENDAR_INSTANTS = {
    "utc-month-last-second": datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
    "utc-month-first-second": datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC),
    "beijing-month-last-second": datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC),
    "beijing-month-first-second": datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC),
    "utc-year-last-second": datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    "utc-year-first-second": datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC),
    "beijing-year-last-second": datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC),
    "beijing-year-first-second": datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC),
    "leap-day": datetime(2028, 2, 29, 12, 0, 0, tzinfo=UTC),
    "beijing-leap-day-last-second": datetime(2028, 2, 29, 15, 59, 59, tzinfo=UTC),
    "mid-month": datetime(2026, 12, 15, 12, 0, 0, tzinfo=UTC),
}


def pytest_configure(config):
    """``CORECLAW_TEST_NOW=<ISO instant>`` runs the whole session with the clock moved there.

    The clock keeps ticking from that instant, in every thread of this process (the
    session emulator included); subprocesses (notebooks, benchmarks) keep the real
    time. ``CORECLAW_TEST_NOW=beijing-year-first-second`` names an instant above.
    """
    wanted = os.environ.get("CORECLAW_TEST_NOW")
    if not wanted:
        return
    import time_machine

    instant = CALENDAR_INSTANTS.get(wanted) or datetime.fromisoformat(wanted)
    config._coreclaw_travel = time_machine.travel(instant, tick=True)
    config._coreclaw_travel.start()


def pytest_report_header(config):
    travel = getattr(config, "_coreclaw_travel", None)
    if travel is not None:
        return f"clock moved to {datetime.now(UTC).isoformat()} (CORECLAW_TEST_NOW)"
    return None


@pytest.fixture(params=list(CALENDAR_INSTANTS))
def calendar_instant(request) -> datetime:
    """Each instant of CALENDAR_INSTANTS in turn (the clock is not moved)."""
    return CALENDAR_INSTANTS[request.param]


@pytest.fixture
def at_instant(calendar_instant):
    """Move this process's clock (every thread, the emulator's too) to each instant."""
    import time_machine

    with time_machine.travel(calendar_instant, tick=True):
        yield calendar_instant


@pytest.fixture(scope="session")
def emulator():
    from coreclaw_pandas.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    """The session's emulator, returned to a clean state."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def client(emu):
    """A client on the emulator that polls and backs off quickly."""
    import coreclaw_pandas as cc

    c = cc.Client(
        emu.api_key,
        base_url=emu.url,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test sees the user's environment, cache or default client."""
    for var in ("CORECLAW_API_KEY", "CORECLAW_BASE_URL", "CORECLAW_API_VERSION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CORECLAW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CORECLAW_DATA_DIR", str(tmp_path / "data"))  # ledgers, collections
    import coreclaw_pandas as cc

    cc.reset_client()
    yield
    cc.reset_client()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (notebooks, scripts, docs)."""
    return ROOT


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """The read-only CoreClaw reference folder beside the checkout."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(NO_REFERENCE)
    return SHARED_REFERENCE


@pytest.fixture
def reference_schema(shared_reference: Path) -> Callable[[str], Any]:
    """Load one schema of the reference folder's ``worker-schemas/`` by file name."""

    def load(name: str) -> Any:
        path = shared_reference / "worker-schemas" / name
        if not path.is_file():
            pytest.skip(f"{name} is not in the shared reference folder ({path.parent})")
        return json.loads(path.read_text(encoding="utf-8"))

    return load


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test taking ``reference_schema_file`` once per reference schema file."""
    if "reference_schema_file" in metafunc.fixturenames:
        folder = SHARED_REFERENCE / "worker-schemas"
        names = sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []
        params = [pytest.param(n, id=n.removesuffix(".json")) for n in names] or [
            pytest.param(None, marks=pytest.mark.skip(reason=NO_REFERENCE), id="no-reference")
        ]
        metafunc.parametrize("reference_schema_file", params)
