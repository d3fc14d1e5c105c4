"""A batch's inputs: turned into a table, built into run inputs and checked, all before any start.

Every input row becomes the Worker's ``custom`` (``custom=`` for every row, plus the
columns named by ``map``), built and checked against the Worker's schema exactly as a
single start would be. Every problem of every row is collected, so one
:class:`~coreclaw_pandas.exceptions.InputError` names each bad row and nothing starts.

Each input gets an ``input_id``: a hash of what its run would be sent, so the same
input is recognised on the next call (the ledger's key) whatever its row number.
Each run to start is a :class:`Job`: one input, or with ``per_run`` several packed
into the Worker's array fields (the platform splits such a run into subtasks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..client import Client
from ..exceptions import InputError

__all__ = ["INPUT_PREFIX", "Job", "build_jobs", "default_ledger", "input_table"]

#: Input columns carry this prefix in ``Batch.df``, so they never collide with the rows'.
INPUT_PREFIX = "input."
#: Rows named in one InputError at most: past that the message would drown the cause.
_MAX_LISTED = 50


@dataclass(frozen=True)
class Job:
    """One run to start: its inputs, what it sends, and the key the ledger knows it by.

    Attributes:
        job_id: A hash of the Worker, version, system and custom sent.
        input_ids: The inputs packed into this run, in order.
        custom: The Worker input sent.
        echoes: The mapped values of each input (for joining rows back), by input_id.
    """

    job_id: str
    input_ids: tuple[str, ...]
    custom: dict[str, Any]
    echoes: dict[str, tuple[str, ...]]


def input_table(inputs: Any) -> pd.DataFrame:
    """``inputs`` as a DataFrame: a DataFrame as is, a list of dicts, or one column.

    Raises:
        InputError: ``inputs`` is empty or of a kind that is not a table of inputs.
    """
    if isinstance(inputs, pd.DataFrame):
        frame = inputs
    elif isinstance(inputs, pd.Series):
        frame = inputs.to_frame(name=inputs.name if inputs.name is not None else "value")
    elif isinstance(inputs, Sequence) and not isinstance(inputs, str | bytes):
        items = list(inputs)
        if items and all(isinstance(item, Mapping) for item in items):
            frame = pd.DataFrame.from_records([dict(item) for item in items])
        elif items and not any(isinstance(item, Mapping) for item in items):
            frame = pd.DataFrame({"value": items})
        else:
            raise InputError(["`inputs` mixes dicts with other values; give one kind"])
    else:
        raise InputError(
            [
                "`inputs` must be a DataFrame, a list of dicts or a column, "
                f"not {type(inputs).__name__}"
            ]
        )
    if frame.empty:
        raise InputError(["`inputs` has no rows: there is nothing to run"])
    return frame


def build_jobs(
    client: Client,
    scraper_slug: str,
    frame: pd.DataFrame,
    *,
    map: Mapping[str, str] | None,  # noqa: A002 (the documented option name)
    custom: Mapping[str, Any] | None,
    system: Mapping[str, Any] | None,
    version: str | None,
    per_run: int,
) -> tuple[list[str], list[Job]]:
    """Build and check every input, then pack them into jobs.

    Returns:
        ``(input_ids, jobs)``: the input_id of each row, in row order, and the runs
        to start (an input given twice is run once).

    Raises:
        InputError: Every problem of every row, each line naming its row.
    """
    mapping = dict(map or {})
    missing = [col for col in mapping.values() if col not in frame.columns]
    if missing:
        columns = ", ".join(map_str(frame.columns))
        raise InputError(
            [
                f"`map` names column {col!r}, which `inputs` does not have (columns: {columns})"
                for col in missing
            ],
            scraper_slug=scraper_slug,
        )
    if not isinstance(per_run, int) or per_run < 1:
        raise InputError([f"`per_run` must be an integer >= 1, got {per_run!r}"])
    worker = client.worker(scraper_slug)
    # Any list field can hold several inputs; the platform splits a run into subtasks by
    # its split fields (the schema's `b`), the others the Worker reads as one list.
    packable = {f.name for f in worker.input_schema.fields if f.kind == "array"}
    if per_run > 1:
        wrong = [f for f in mapping if f not in packable]
        if wrong or not mapping:
            raise InputError(
                [
                    "`per_run` > 1 packs inputs into the Worker's list fields "
                    f"({', '.join(sorted(packable)) or 'none here'}); `map` must fill "
                    f"only those, not {', '.join(wrong) or 'nothing'}"
                ],
                scraper_slug=scraper_slug,
            )

    problems: list[str] = []
    ids: list[str] = []
    built: dict[str, tuple[dict[str, Any], dict[str, tuple[str, ...]]]] = {}
    sent_version = ""
    for position, (label, row) in enumerate(frame.iterrows()):
        values = {field: _plain(row[col]) for field, col in mapping.items()}
        try:
            sent_version, sent_system, sent_custom = client.prepare_input(
                scraper_slug, {**(custom or {}), **values}, system=system, version=version
            )
        except InputError as exc:
            where = f"row {position}" + (f" (index {label!r})" if label != position else "")
            problems.extend(f"{where}: {problem}" for problem in exc.problems)
            ids.append("")
            continue
        input_id = _digest([worker.slug, sent_version, sent_system, sent_custom])[:16]
        ids.append(input_id)
        built.setdefault(input_id, (sent_custom, {f: _echo(v) for f, v in values.items()}))
    if problems:
        shown = problems[:_MAX_LISTED]
        if len(problems) > _MAX_LISTED:
            shown.append(f"... and {len(problems) - _MAX_LISTED} more problem(s)")
        raise InputError(shown, scraper_slug=scraper_slug)

    order = list(built)
    jobs: list[Job] = []
    for start in range(0, len(order), per_run):
        group = order[start : start + per_run]
        first_custom = built[group[0]][0]
        packed = dict(first_custom)
        for field in mapping if per_run > 1 else ():
            packed[field] = [item for i in group for item in built[i][0].get(field) or []]
        echoes = {i: tuple(v for vals in built[i][1].values() for v in vals) for i in group}
        job_id = _digest([worker.slug, sent_version, system or {}, packed, group])[:16]
        jobs.append(Job(job_id, tuple(group), packed, echoes))
    return ids, jobs


def default_ledger(scraper_slug: str, jobs: Sequence[Job]) -> str:
    """A ledger name for a batch given none: the Worker's name and a hash of its runs."""
    name = scraper_slug.rsplit("/", 1)[-1]
    return f"{name}-{_digest([job.job_id for job in jobs])[:12]}"


def map_str(values: Iterable[Any]) -> list[str]:
    """Each value as text, for messages."""
    return [str(v) for v in values]


def _plain(value: Any) -> Any:
    """A cell as a plain Python value the schema can check (numpy scalars, NA -> None)."""
    if isinstance(value, list | tuple | dict):
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _echo(value: Any) -> tuple[str, ...]:
    """The texts a row may echo for this input value (a URL, a keyword)."""
    items = value if isinstance(value, list | tuple) else [value]
    texts = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("url", item.get("string"))
        if item is not None and str(item).strip():
            texts.append(str(item).strip())
    return tuple(texts)


def _digest(parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
