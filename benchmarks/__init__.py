"""Benchmarks of coreclaw-pandas: ``python -m benchmarks [--quick | --full | --smoke]``.

One module per case, each a ``run(ctx) -> CaseResult``:

* ``results_df``: a run's rows into a DataFrame against a hand loop, the PyPI
  client and an export download (the floor);
* ``memory``: peak RSS of ``results_df`` against the frame it returns;
* ``excel``: the safe Excel export against ``df.to_excel(engine="openpyxl")``;
* ``polling``: requests and lag while ``run_worker`` waits for a run;
* ``imports``: the cost of ``import coreclaw_pandas`` over ``import pandas``;
* ``emulator``: pages per second the emulator serves, so it is never the bottleneck.

``_harness`` holds the shared parts (sizes per mode, timing, child processes,
tables, JSON) and ``_server`` the emulator process. Results and the meaning of
each target are in docs/performance.md.
"""
