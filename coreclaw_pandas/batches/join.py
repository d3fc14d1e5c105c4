"""Result rows back to the inputs they came from.

A run of one input: every row is that input's. A run of several packed inputs: a row is
joined to its input through a column that echoes it (the web page scraper's
``start_url``, the catalogue's ``search_keyword``): the column whose every value is
one of the packed inputs' values is used. With no such column the rows cannot be told
apart, so they carry the run's job id as ``input_id`` and no input columns
(docs/batches.md says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .inputs import INPUT_PREFIX, Job

__all__ = ["join_rows"]


def join_rows(
    frames: Mapping[str, pd.DataFrame],
    jobs: Sequence[Job],
    runs: Mapping[str, str],
    inputs: pd.DataFrame,
    input_ids: Sequence[str],
) -> pd.DataFrame:
    """One frame of every run's rows, each with ``input.*`` columns, ``input_id``, ``run_slug``.

    Args:
        frames: Each finished job's rows, by job_id.
        jobs: The batch's jobs, in order (the rows keep that order).
        runs: The run_slug of each job, by job_id.
        inputs: The inputs as given.
        input_ids: The input_id of each row of ``inputs``.
    """
    parts = []
    for job in jobs:
        rows = frames.get(job.job_id)
        if rows is None:
            continue
        rows = rows.reset_index(drop=True)
        ids = _input_ids(rows, job)
        parts.append(
            pd.concat(
                [
                    pd.DataFrame({"input_id": ids, "run_slug": runs[job.job_id]}, dtype="string"),
                    rows,
                ],
                axis=1,
            )
        )
    given = inputs.reset_index(drop=True).add_prefix(INPUT_PREFIX)
    given.insert(0, "input_id", pd.Series(list(input_ids), dtype="string"))
    given = given.drop_duplicates("input_id")
    if not parts:
        empty = given.iloc[0:0]
        return empty.assign(run_slug=pd.array([], dtype="string"))
    rows = pd.concat(parts, ignore_index=True)
    joined = given.merge(rows, on="input_id", how="right")
    first = [*given.columns, "run_slug"]
    return joined[first + [c for c in joined.columns if c not in first]]


def _input_ids(rows: pd.DataFrame, job: Job) -> list[str]:
    if len(job.input_ids) == 1:
        return [job.input_ids[0]] * len(rows)
    echo = {text: input_id for input_id, texts in job.echoes.items() for text in texts}
    column = _echo_column(rows, echo)
    if column is None:
        return [job.job_id] * len(rows)
    return [echo[str(v).strip()] for v in rows[column]]


def _echo_column(rows: pd.DataFrame, echo: Mapping[str, str]) -> str | None:
    """The column every row of which names one of the packed inputs, if any."""
    best, best_hits = None, 0
    for column in rows.columns:
        values = rows[column]
        if values.isna().any() or values.map(lambda v: isinstance(v, list | dict)).any():
            continue
        texts = values.map(lambda v: str(v).strip())
        if texts.isin(list(echo)).all() and texts.nunique() > best_hits:
            best, best_hits = str(column), texts.nunique()
    return best
