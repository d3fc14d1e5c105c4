"""The command line as scripts use it: subprocesses against the session emulator.

Exit codes: 0 ok, 1 the run failed, 2 usage error, 3 API error. ``--json`` output is the
only thing on stdout; progress and errors go to stderr; a bad flag is one line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import coreclaw_pandas as cc

from .helpers import cli

WORKER = "coreclaw/catalogue-generator"


def _finished_run(emu) -> str:
    with cc.Client(emu.api_key, base_url=emu.url) as client:
        return client.wait(client.start_run(WORKER, {"rows": 6}).slug).slug


def test_run_waits_and_writes_parquet_with_json_on_stdout(emu, tmp_path):
    out = tmp_path / "results.parquet"
    done = cli(
        "run", WORKER, "--input", '{"rows": 7}', "--wait", "--out", str(out), "--json",
        emu=emu, tmp_path=tmp_path,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    reply = done.json()
    assert (reply["status"], reply["results"], reply["out"]) == ("succeeded", 7, str(out))
    assert len(pd.read_parquet(out)) == 7
    assert "started run" in done.stderr and reply["run_slug"] in done.stderr
    assert len(emu.calls("/api/v1/scraper/run", "POST")) == 1  # started once


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_run_input_file_and_other_formats(emu, tmp_path, suffix):
    (tmp_path / "input.json").write_text('{"rows": 3}', encoding="utf-8")
    out = tmp_path / f"rows{suffix}"
    done = cli(
        "run", WORKER, "--input-file", "input.json", "--wait", "--out", out.name,
        emu=emu, tmp_path=tmp_path,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert out.is_file() and out.stat().st_size > 0
    assert done.stdout.split()[1:3] == ["succeeded", "3"]


def test_run_without_wait_prints_the_slug(emu, tmp_path):
    done = cli("run", WORKER, "--input", '{"rows": 2}', emu=emu, tmp_path=tmp_path)
    assert done.code == 0, done.stderr
    slug = done.stdout.strip()
    assert emu.wait_for_run(slug)


def test_a_failed_run_exits_1(emu, tmp_path):
    done = cli("run", "coreclaw/failing-worker", "--wait", "--json", emu=emu, tmp_path=tmp_path)
    assert done.code == 1
    reply = done.json()
    assert reply["status"] == "failed" and reply["error"]


def test_a_run_still_going_at_the_timeout_exits_1_and_names_it(emu, tmp_path):
    done = cli(
        "run", "coreclaw/slow-worker", "--input", '{"duration_seconds": 60}', "--wait",
        "--timeout", "0.5", emu=emu, tmp_path=tmp_path,
    )  # fmt: skip
    assert done.code == 1, done.stderr
    slug = done.stderr.split("started run ")[1].split()[0]
    assert slug in done.stderr.splitlines()[-1]  # the error names the run to follow
    with cc.Client(emu.api_key, base_url=emu.url) as client:
        client.abort(slug)


@pytest.mark.parametrize(
    "args",
    [
        ["run", WORKER, "--bogus"],
        ["run"],
        ["frobnicate"],
        ["export", "RUN", "--out", "x.csv"],
        ["run", WORKER, "--input", "{}", "--input-file", "f.json"],
        ["runs", "--limit", "many"],
    ],
    ids=["unknown-flag", "missing-slug", "unknown-verb", "missing-format", "both-inputs", "int"],
)
def test_a_bad_flag_is_one_line_and_exit_2(emu, tmp_path, args):
    done = cli(*args, emu=emu, tmp_path=tmp_path)
    assert done.code == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert emu.requests == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", WORKER, "--input", "{rows: 1}"], "--input is not JSON"),
        (["run", WORKER, "--input", "[1]"], "must be a JSON object"),
        (["run", WORKER, "--input-file", "missing.json"], "--input-file 'missing.json'"),
        (["run", WORKER, "--input", '{"rows": "many"}'], "rows"),
        (["run", WORKER, "--wait", "--out", "rows.txt"], "--out must end in"),
        (["run", WORKER, "--out", "rows.csv"], "--out needs --wait"),
    ],
)
def test_bad_input_is_a_usage_error_and_starts_nothing(emu, tmp_path, args, words):
    done = cli(*args, emu=emu, tmp_path=tmp_path)
    assert done.code == 2, done.stderr
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not emu.calls("/api/v1/scraper/run", "POST")


def test_api_errors_exit_3_and_never_show_the_key(emu, tmp_path):
    unknown = cli("run", "nobody/nothing", emu=emu, tmp_path=tmp_path)
    assert unknown.code == 3 and "nobody/nothing" in unknown.stderr
    wrong_key = "sk-wrong-" + "x" * 24
    refused = cli("runs", emu=emu, tmp_path=tmp_path, env={"CORECLAW_API_KEY": wrong_key})
    assert refused.code == 3
    for text in (unknown.stdout, unknown.stderr, refused.stdout, refused.stderr):
        assert emu.api_key not in text and wrong_key not in text


def test_results_to_a_file_or_stdout(emu, tmp_path):
    slug = _finished_run(emu)
    done = cli("results", slug, "--out", "rows.csv", "--json", emu=emu, tmp_path=tmp_path)
    assert done.code == 0, done.stderr
    assert done.json()["rows"] == 6 and len(pd.read_csv(tmp_path / "rows.csv")) == 6
    rows = cli("results", slug, "--json", "--limit", "4", emu=emu, tmp_path=tmp_path)
    assert rows.code == 0 and len(rows.json()) == 4
    csv = cli("results", slug, emu=emu, tmp_path=tmp_path)
    assert csv.code == 0 and len(csv.stdout.strip().splitlines()) == 7  # header + 6 rows
    missing = cli("results", "NO-SUCH-RUN", emu=emu, tmp_path=tmp_path)
    assert missing.code == 3 and "NO-SUCH-RUN" in missing.stderr


def test_runs_lists_the_history(emu, tmp_path):
    slug = _finished_run(emu)
    done = cli(
        "runs", "--worker", WORKER, "--since", "2000-01-01", "--json", emu=emu, tmp_path=tmp_path
    )
    assert done.code == 0, done.stderr
    assert [r["run_slug"] for r in done.json()] == [slug]
    table = cli("runs", emu=emu, tmp_path=tmp_path)
    assert table.code == 0 and slug in table.stdout


def test_tasks_on_v2_and_the_advice_on_v1(emu, tmp_path):
    with cc.Client(emu.api_key, base_url=emu.url, api_version="v2") as client:
        t = client.create_task(
            WORKER, {"rows": 2}, title="nightly", schedule=cc.Schedule.daily("02:00")
        )
    done = cli("tasks", "--worker", WORKER, "--json", emu=emu, tmp_path=tmp_path,
               env={"CORECLAW_API_VERSION": "v2"})  # fmt: skip
    assert done.code == 0, done.stderr
    mine = {row["slug"]: row for row in done.json()}[t.slug]
    assert mine["schedule"] == "every day at 02:00, Beijing time (UTC+8)"
    v1 = cli("tasks", emu=emu, tmp_path=tmp_path)
    assert v1.code == 2 and "CORECLAW_API_VERSION=v2" in v1.stderr


def test_export_downloads_the_platforms_file(emu, tmp_path):
    slug = _finished_run(emu)
    done = cli(
        "export", slug, "--format", "json", "--out", "export.json", emu=emu, tmp_path=tmp_path
    )
    assert done.code == 0, done.stderr
    assert len(json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))) == 6
    bad = cli("export", slug, "--format", "pdf", "--out", "x.pdf", emu=emu, tmp_path=tmp_path)
    assert bad.code == 2 and "format" in bad.stderr


def test_the_installed_command_dispatches_the_verbs(emu, tmp_path):
    script = Path(sys.executable).with_name("coreclaw-pandas")
    if not script.is_file():
        pytest.skip(f"the coreclaw-pandas script is not installed beside {sys.executable}")
    import subprocess

    done = subprocess.run(
        [str(script), "run", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and "--input-file" in done.stdout
