"""notebooks/06_live.ipynb: other cells run while its three jobs progress (issue 18).

tests/test_notebooks.py runs every notebook for errors; this reads what 06 printed: the
cell after the starts ran while the jobs were still going, and the streamed chunks were
the run's rows and dtypes exactly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "06_live.ipynb"


@pytest.mark.slow
def test_cells_run_while_the_jobs_progress_and_the_stream_is_exact(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        startup_timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    printed = "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    going = re.search(r"jobs still going while this cell ran: (\d+)", printed)
    assert going and int(going.group(1)) >= 1, printed[:2000]
    assert "same rows, same order: True" in printed
    assert "same dtypes: True" in printed
    # The failed job's error is shown by the cell that asked for its rows, and by its view.
    assert "RunFailedError: Simulated failure" in printed
    assert "<Job 3 coreclaw/failing-worker" in printed and "error" in printed
