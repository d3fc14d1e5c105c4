"""The ``v1_error_status`` knob: v1 business errors under the spec's HTTP statuses, or
all as HTTP 200 with their ``code`` (what the official v1 clients assume)."""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.__main__ import build_parser

from ..helpers import COUNTER, Api

GHOST_RUN = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"


def _errors(api: Api) -> list[tuple[int, int]]:
    """(HTTP status, code) of one request per kind of v1 business error."""
    replies = [
        api.post("/api/v1/run/detail", {"run_slug": GHOST_RUN}),  # 70001
        api.post("/api/v1/run/list", {"page_index": 1, "page_size": 1000}),  # 4000
        api.post("/api/v1/scraper/run", api.run_body(COUNTER.path, {"rows": 1}, version="v9")),
        api.session.post(api.base + "/api/v1/account/info", headers={"api-key": "wrong"}),
    ]
    api.emu.set_balance(0)
    replies.append(api.post("/api/v1/scraper/run", api.run_body(COUNTER.path, {"rows": 1})))
    for reply in replies:
        assert reply.json()["data"] is None, reply.text
    return [(reply.status_code, reply.json()["code"]) for reply in replies]


def test_spec_statuses_by_default(api):
    assert api.emu.settings.v1_error_status == "spec"
    assert _errors(api) == [(404, 70001), (400, 4000), (400, 50003), (401, 20001), (400, 30001)]


def test_http_200_with_the_code_under_the_knob(api):
    api.emu.configure(v1_error_status="200")
    assert _errors(api) == [(200, 70001), (200, 4000), (200, 50003), (200, 20001), (200, 30001)]


def test_transport_trouble_keeps_its_status_under_the_knob(api):
    # Faults, throttling and routing are not business errors: they stay 5xx/429/404.
    api.emu.configure(v1_error_status="200")
    api.emu.inject_fault("/api/v1/account/info", "server_error")
    assert api.post("/api/v1/account/info").status_code == 500
    assert api.post("/api/v1/no/such/endpoint").status_code == 404
    api.emu.inject_fault("/api/v1/account/info", "rate_limit")
    assert api.post("/api/v1/account/info").status_code == 429


def test_the_knob_is_checked_and_has_a_flag():
    with pytest.raises(ValueError, match="v1_error_status must be one of"):
        Emulator(v1_error_status="201")
    assert build_parser().parse_args(["--v1-error-status", "200"]).v1_error_status == "200"
    with Emulator(v1_error_status="200") as emu:
        assert emu.settings.v1_error_status == "200"
        emu.reset()
        assert emu.settings.v1_error_status == "200"  # the constructor's value is the initial one
