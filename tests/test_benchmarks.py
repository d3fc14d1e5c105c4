"""The benchmark code keeps running: a smoke run of every case, and the harness's parts.

No timing is asserted here; the benchmarks print ratios, they do not judge them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` puts tests/, not the checkout, on the path
    sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as bench  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    MODES,
    CaseResult,
    Measurement,
    Target,
    format_case,
    format_summary,
    run_child,
)


@pytest.mark.slow
def test_smoke_run_covers_every_case(tmp_path):
    out = tmp_path / "smoke.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["mode"] == "smoke"
    assert report["latency_ms"] == 0
    assert set(report["cases"]) == set(bench.CASES)
    for name, case in report["cases"].items():
        measured = [m for m in case["measurements"] if m["samples"]]
        assert measured, f"{name} measured nothing"
        assert case["targets"], f"{name} has no targets"
        for target in case["targets"]:
            assert isinstance(target["met"], bool)
            assert target["op"] in (">=", "<=")
    # The PyPI client is optional: measured when importable, otherwise a stated skip.
    results = report["cases"]["results_df"]
    names = {m["name"] for m in results["measurements"] if m["samples"]}
    has_pypi = any(name.startswith("(b)") for name in names)
    assert has_pypi or any("coreclaw-client" in reason for reason in results["skipped"])
    # Each results_df side read every row of the run.
    for m in results["measurements"]:
        if m["samples"]:
            assert m["info"]["shape"][0] == MODES["smoke"].rows
    assert "== results_df" in done.stdout and "| case |" in done.stdout


def test_unknown_case_is_refused(capsys):
    assert bench.main(["--smoke", "--cases", "nope"]) == 2
    assert "unknown case" in capsys.readouterr().err


def test_target_direction():
    assert Target("faster", 6.0, ">=", 5.0).met
    assert not Target("faster", 4.9, ">=", 5.0).met
    assert Target("within", 1.4, "<=", 1.5).met
    assert not Target("within", 1.6, "<=", 1.5).as_dict()["met"]


def test_case_table_shows_medians_and_verdicts():
    result = CaseResult("demo", "a demo case", {"rows": 10})
    fast = result.add("fast")
    fast.samples += [1.0, 3.0, 2.0]
    result.add("never ran")
    result.targets.append(Target("slow / fast", 1.2, ">=", 5.0))
    result.skipped.append("side (b) skipped: not installed.")
    text = format_case(result)
    assert "2.000 s" in text  # the median of 1, 3, 2
    assert "never ran" not in text
    assert "MISSED" in text and "not installed" in text
    assert "**missed**" in format_summary([result])
    data = result.as_dict()
    assert data["measurements"][0]["median"] == 2.0
    assert data["measurements"][1]["samples"] == []


def test_measurement_median_of_nothing_is_nan():
    assert Measurement("empty").median != Measurement("empty").median


def test_child_peak_rss_is_its_own(tmp_path, monkeypatch):
    # The parent holds 400 MB, the child touches 100 MB: on Linux the child's ru_maxrss
    # would start at the parent's 400 MB; the figure reported must be the child's.
    (tmp_path / "hog.py").write_text(
        "from benchmarks._harness import child_output\n"
        "block = bytearray(100 * 2**20)\n"
        "block[::4096] = b'x' * len(range(0, len(block), 4096))\n"
        "print('noise before the result')\n"
        "child_output({'held': len(block)})\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    parent = bytearray(400 * 2**20)
    parent[::4096] = b"x" * len(range(0, len(parent), 4096))
    done = run_child("hog", timeout=60)
    del parent
    assert done.data == {"held": 100 * 2**20}
    assert 100 <= done.peak_rss_mb < 300


def test_child_failure_carries_its_stderr(tmp_path, monkeypatch):
    (tmp_path / "broken.py").write_text("raise SystemExit('broken on purpose')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="broken on purpose"):
        run_child("broken", timeout=60)


def test_pypi_client_side_says_why_it_is_skipped(monkeypatch):
    from benchmarks import results_df

    real = results_df.importlib.util.find_spec
    monkeypatch.setattr(
        results_df.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "coreclaw" else real(name, *a),
    )
    reason = results_df.pypi_client_problem()
    assert reason and "benchmarks/requirements.txt" in reason and "skipped" in reason
