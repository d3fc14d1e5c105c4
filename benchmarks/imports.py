"""Case 5: what ``import coreclaw_pandas`` costs on top of ``import pandas``.

Each sample is a fresh interpreter that imports pandas, then coreclaw_pandas,
timing each; the second figure is the package's own cost. The same child says
which optional heavyweights the import pulled in: ipywidgets and openpyxl must
load only when a form or an openpyxl read is used. One unmeasured child first
warms the file cache.
"""

from __future__ import annotations

import json
import subprocess
import sys

from ._harness import ROOT, CaseResult, Context, Target, child_env

NAME = "imports"
TARGET_MS = 150.0
#: Modules the package must not import up front.
LAZY = ("ipywidgets", "openpyxl")
#: Modules worth knowing about when they do load at import.
WATCHED = (*LAZY, "xlsxwriter", "tqdm", "requests", "pyarrow", "IPython")

_CHILD = f"""
import json, sys, time
started = time.perf_counter()
import pandas
after_pandas = time.perf_counter()
before = set(sys.modules)
import coreclaw_pandas
done = time.perf_counter()
print(json.dumps({{
    "pandas_s": after_pandas - started,
    "package_s": done - after_pandas,
    "loaded": [m for m in {WATCHED!r} if m in sys.modules and m not in before],
    "modules_added": len(set(sys.modules) - before),
}}))
"""


def _sample() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"the import child failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _breakdown() -> dict[str, float]:
    """Self time (ms, under ``-X importtime``) of what the package import loads, by package."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pandas; import coreclaw_pandas"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stderr.splitlines()
    # Everything after pandas' own top-level line was loaded by coreclaw_pandas.
    start = next((i for i, line in enumerate(lines) if line.endswith("| pandas")), len(lines))
    totals: dict[str, float] = {}
    for line in lines[start + 1 :]:
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        package = parts[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(parts[0]) / 1000
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def run(ctx: Context) -> CaseResult:
    """Time the imports in fresh interpreters."""
    samples = 1 if ctx.mode == "smoke" else max(5, ctx.repeat * 3)
    result = CaseResult(
        NAME,
        "import coreclaw_pandas on top of import pandas",
        {"samples": samples},
    )
    _sample()  # warms the file cache; not counted
    pandas = result.add("import pandas")
    package = result.add("import coreclaw_pandas (after pandas)")
    loaded: set[str] = set()
    added = 0
    for _ in range(samples):
        data = _sample()
        pandas.samples.append(data["pandas_s"])
        package.samples.append(data["package_s"])
        loaded.update(data["loaded"])
        added = data["modules_added"]
    result.targets.append(
        Target("import coreclaw_pandas over pandas", package.median * 1000, "<=", TARGET_MS, " ms")
    )
    eager = sorted(set(LAZY) & loaded)
    result.targets.append(
        Target("of ipywidgets/openpyxl loaded at import", len(eager), "<=", 0, " modules")
    )
    result.notes.append(
        f"the import added {added} modules; of those watched it loaded "
        f"{', '.join(sorted(loaded)) or 'none'}"
    )
    shares = _breakdown()
    top = list(shares.items())[:8]
    result.params["importtime_ms_by_package"] = {k: round(v, 1) for k, v in top}
    total = sum(shares.values()) or 1.0
    result.notes.append(
        "where it goes (self time under -X importtime, which inflates it): "
        + ", ".join(f"{name} {ms / total:.0%}" for name, ms in top[:6])
    )
    return result
