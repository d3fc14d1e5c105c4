"""A killed updater leaves the last good state; two updating processes never corrupt it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import coreclaw_pandas as cc

ROOT = Path(__file__).resolve().parents[2]

# Each script runs in its own Python process against a collection at argv[1].
_KILLED = """
import os, signal, sys
import pandas as pd
from coreclaw_pandas.tracking import Collection, storage

def die(*args, **kwargs):
    if WHERE == "writing":  # half a Parquet file on disk, then the process is gone
        args[1].write_bytes(b"PAR1 half a file")
    os.kill(os.getpid(), signal.SIGKILL)

if WHERE == "writing":
    storage.pq.write_table = die
else:
    storage.write_manifest = die
store = Collection(sys.argv[1], key="id")
store.update(pd.DataFrame({"id": range(500, 1500), "v": 2}))
"""

_UPDATER = """
import sys
import pandas as pd
from coreclaw_pandas.tracking import Collection

name, rounds = sys.argv[2], int(sys.argv[3])
store = Collection(sys.argv[1], key="id", lock_timeout=120)
for round_ in range(rounds):
    ids = [f"{name}-{i}" for i in range(round_ * 50, round_ * 50 + 100)] + ["shared"]
    store.update(pd.DataFrame({"id": ids, "round": round_, "who": name}))
print("done")
"""


def _python(script: str, *args: str, **env: str) -> subprocess.Popen[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args],
                            env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.mark.parametrize("where", ["writing", "committing"])
def test_a_process_killed_mid_update_leaves_the_last_good_state(tmp_path, where):
    folder = tmp_path / "shop"
    store = cc.Collection(folder, key="id")
    store.update(pd.DataFrame({"id": range(1000), "v": 1}))
    before = store.df

    proc = _python(f"WHERE = {where!r}\n" + _KILLED, str(folder))
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    manifest = json.loads((folder / "manifest.json").read_text())
    named = {manifest["snapshot"], *manifest["parts"], "manifest.json", ".lock"}
    left = {p.name for p in folder.iterdir()} - named
    assert left  # what the killed update wrote is there, but no manifest names it

    after = cc.Collection(folder).df
    pd.testing.assert_frame_equal(after, before)
    new = cc.Collection(folder).update(pd.DataFrame({"id": range(500, 1500), "v": 2}))
    assert len(new) == 500 and len(cc.Collection(folder).df) == 1500
    left = {p.suffix for p in folder.iterdir() if p.name not in ("manifest.json", ".lock")}
    assert left == {".parquet"} and len(list(folder.glob("snapshot-*"))) == 1


@pytest.mark.slow
def test_two_processes_updating_one_collection(tmp_path):
    folder = tmp_path / "shared"
    rounds = 6
    procs = [_python(_UPDATER, str(folder), name, str(rounds)) for name in ("a", "b")]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == "done", err
    store = cc.Collection(folder)
    df = store.df
    # Each process saw ids 0..(rounds - 1) * 50 + 99 of its own, and the one shared id.
    assert len(df) == 2 * ((rounds - 1) * 50 + 100) + 1 and df["id"].is_unique
    manifest = (folder / "manifest.json").read_text()
    assert manifest.count("frame:") == 2 * rounds
    last = df.set_index("id")
    assert last.loc["a-0", "round"] == 0 and last.loc[f"b-{(rounds - 1) * 50 + 99}", "round"] == (
        rounds - 1)
    assert len(store.history("shared")) >= 2
    assert len(list(folder.glob("snapshot-*"))) == 1
