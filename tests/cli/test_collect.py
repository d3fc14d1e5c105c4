"""``coreclaw-pandas collect``: a scrape added to a collection from cron, as a subprocess.

The catalogue Worker's editions differ by documented rules (200 rows: 2 dropped, 2 new,
20 repriced between editions 1 and 2), so the counts printed are known exactly.
"""

from __future__ import annotations

import coreclaw_pandas as cc

from .helpers import cli

WORKER = "coreclaw/catalogue-generator"


def _collect(emu, tmp_path, edition: int, *extra: str):
    return cli(
        "collect", WORKER, "--input", f'{{"rows": 200, "edition": {edition}}}',
        "--into", str(tmp_path / "shop"), "--json", *extra, emu=emu, tmp_path=tmp_path,
    )  # fmt: skip


def test_two_weeks_into_one_collection_print_exact_counts(emu, tmp_path):
    first = _collect(emu, tmp_path, 1)
    assert first.code == 0, first.stderr
    reply = first.json()
    assert (reply["status"], reply["added"], reply["total"]) == ("succeeded", 200, 200)

    second = _collect(emu, tmp_path, 2)
    assert second.code == 0, second.stderr
    counts = {name: second.json()[name] for name in ("added", "changed", "unchanged", "total")}
    assert counts == {"added": 2, "changed": 20, "unchanged": 178, "total": 202}
    store = cc.Collection(tmp_path / "shop")
    assert len(store.df) == 202  # the file on disk agrees with what was printed


def test_a_wrong_key_is_refused_before_any_run_starts(emu, tmp_path):
    assert _collect(emu, tmp_path, 1).code == 0
    starts = len(emu.calls("/api/v1/scraper/run", "POST"))
    refused = _collect(emu, tmp_path, 2, "--key", "title")
    assert refused.code == 2
    assert "keyed by" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert len(emu.calls("/api/v1/scraper/run", "POST")) == starts  # nothing paid for


def test_a_failed_run_exits_1_and_leaves_the_collection_alone(emu, tmp_path):
    done = cli(
        "collect", "coreclaw/failing-worker", "--into", str(tmp_path / "empty"), "--json",
        emu=emu, tmp_path=tmp_path,
    )  # fmt: skip
    assert done.code == 1, done.stderr
    assert done.json()["status"] == "failed"
    assert repr(cc.Collection(tmp_path / "empty")).endswith("empty>")
