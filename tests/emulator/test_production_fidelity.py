"""Where the emulator follows production's evidence over the written spec (issue 13).

Items 2, 3, 9 and 11: a v1 start without ``version``, v2 run detail without
``err_msg``, a run held in ``aborting``, and an empty store search. Each default
follows the best evidence, and a knob restores the other reading.
"""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.__main__ import build_parser

from .helpers import COUNTER, Api
from .v2_helpers import COUNTER_ID, V2

SLOW = "coreclaw/slow-worker"
FOREVER = {"interval_seconds": 0.05, "duration_seconds": 600}


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


# Item 2: v1 scraper/run without a version -------------------------------------------


def test_v1_start_without_version_runs_the_current_version(api: Api):
    body = api.run_body(custom={"rows": 3})
    del body["version"]
    slug = api.ok("/api/v1/scraper/run", body)["run_slug"]
    detail = api.wait(slug)
    assert (detail["status"], detail["version"], detail["results"]) == (3, COUNTER.version, 3)


def test_v1_start_with_an_unknown_version_still_gets_50003(api: Api):
    message = api.fail(
        "/api/v1/scraper/run", api.run_body(custom={"rows": 1}, version="v9.9.9"), 50003, 400
    )
    assert "v9.9.9" in message and COUNTER.version in message


# Item 3: v2 run detail has no err_msg; the run list has it --------------------------


def test_v2_detail_and_last_leave_err_msg_out_but_the_list_has_it(v2: V2):
    slug = v2.wait(v2.start({"rows": 2, "fail": "no luck"}))["slug"]
    for path in (f"/worker-runs/{slug}", "/worker-runs/last", f"/workers/{COUNTER_ID}/runs/last"):
        detail = v2.ok("GET", path)
        assert detail["status"] == "failed" and "err_msg" not in detail, path
    listed = v2.ok("GET", "/worker-runs", params={"status": "failed"})["list"]
    assert [(r["slug"], r["err_msg"]) for r in listed] == [(slug, "no luck")]


def test_the_v2_detail_err_msg_knob_restores_it(emu: Emulator, v2: V2):
    emu.configure(v2_detail_err_msg=True)
    slug = v2.wait(v2.start({"rows": 1, "fail": "no luck"}))["slug"]
    assert v2.run(slug)["err_msg"] == "no luck"


def test_v1_detail_keeps_err_msg(api: Api):
    slug = api.start(custom={"rows": 1, "fail": "no luck"})
    assert api.wait(slug)["err_msg"] == "no luck"


# Item 9: a run may stay aborting ------------------------------------------------------


def test_abort_hold_keeps_a_run_aborting(emu: Emulator, api: Api, v2: V2):
    emu.configure(abort_hold=True)
    slug = api.start(SLOW, FOREVER)
    api.ok("/api/v1/scraper/abort", {"run_slug": slug})
    # Whatever the delay knob says, a held run never moves on by itself.
    emu.configure(abort_delay=0)
    assert not emu.wait_for_run(slug, timeout=0.5)
    assert api.detail(slug)["status"] == 5
    assert v2.run(slug)["status"] == "aborting"
    assert api.ok("/api/v1/scraper/abort", {"run_slug": slug}) is None  # aborting again: fine


def test_without_hold_an_aborted_run_ends_failed(emu: Emulator, api: Api):
    emu.configure(abort_delay=0)
    slug = api.start(SLOW, FOREVER)
    api.ok("/api/v1/scraper/abort", {"run_slug": slug})
    assert api.wait(slug)["status"] == 4


@pytest.mark.parametrize("knob", ["abort_hold", "v2_detail_err_msg", "v1_empty_search_lists"])
def test_the_new_knobs_take_booleans_only(emu: Emulator, knob: str):
    with pytest.raises(ValueError, match=knob):
        emu.configure(**{knob: "yes"})
    assert getattr(emu.settings, knob) is False


# Item 11: an empty store search ---------------------------------------------------------


def test_v2_store_without_keyword_lists_every_worker(emu: Emulator, v2: V2):
    paths = {w.path.replace("/", "~") for w in emu.workers}
    for params in ({}, {"keyword": ""}):
        listed = v2.ok("GET", "/store", auth=None, params=params)["scraper"]
        assert {item["path"] for item in listed} == paths


def test_v1_empty_search_is_refused_as_production_documents(emu: Emulator, api: Api):
    for query in ({}, {"search": ""}, {"search": "  "}):
        reply = api.get("/api/store", **query)
        assert (reply.status_code, reply.json()["code"]) == (400, 4000)
        assert "search" in reply.json()["message"]


def test_v1_empty_search_lists_the_store_with_the_knob(emu: Emulator, api: Api):
    emu.configure(v1_empty_search_lists=True)
    for query in ({}, {"search": ""}):
        reply = api.get("/api/store", limit=100, **query)
        slugs = {item["slug"] for item in reply.json()["data"]["scraper"]}
        assert slugs == {w.slug for w in emu.workers}


def test_the_command_line_sets_the_new_knobs():
    args = build_parser().parse_args(["--abort-hold", "--v2-detail-err-msg"])
    assert (args.abort_hold, args.v2_detail_err_msg, args.v1_empty_search_lists) == (
        True,
        True,
        False,
    )
