r"""The batch ledger: a small SQLite file mapping each run to start to the run it became.

A start may charge money, so the ledger is written *before* a start is sent (state
``starting``) and again right after (``started`` with its run_slug, or back to
``pending`` when the platform refused it). A process killed in between leaves
``starting``: the next call knows a run may exist and looks for it in the run history
before starting anything (see :mod:`.scheduler`).

A start is claimed by one conditional write (``pending`` to ``starting``, only while the
batch's abort count is the one the scheduler began with), so neither a second process
on the same batch nor a start racing ``Batch.abort`` can send a start twice or after
an abort: SQLite runs the two writes one after the other, and the loser sees it.

Rows are keyed by the platform (base URL, hashed), the account (the client's one-way
key tag, never the key), the ledger's name and the job_id, so two accounts or two
platforms never share an entry. No API key and no input values are stored.

Where it lives: a ``ledger`` that looks like a path (it has a folder separator or ends
in ``.sqlite``/``.db``) is that file; a plain name is a batch in
``batches.sqlite3`` in the user's data folder (:func:`coreclaw_pandas._folders.data_dir`,
``$CORECLAW_DATA_DIR`` when set). Not the cache folder: deleting a cache must never make
a batch pay twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._folders import data_dir

__all__ = ["Entry", "Ledger", "default_file", "ledger_path"]

_FILE = "batches.sqlite3"
#: A write waits this long for another process's write to end (a second notebook).
_BUSY_SECONDS = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    site TEXT NOT NULL, account TEXT NOT NULL, ledger TEXT NOT NULL, job_id TEXT NOT NULL,
    scraper_slug TEXT NOT NULL, input_ids TEXT NOT NULL, state TEXT NOT NULL,
    run_slug TEXT, sent_at REAL, started_at REAL, finished_at REAL,
    results INTEGER NOT NULL DEFAULT 0, usage REAL NOT NULL DEFAULT 0, err_msg TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (site, account, ledger, job_id)
);
CREATE INDEX IF NOT EXISTS jobs_run ON jobs (site, account, run_slug);
CREATE TABLE IF NOT EXISTS aborts (
    site TEXT NOT NULL, account TEXT NOT NULL, ledger TEXT NOT NULL,
    epoch INTEGER NOT NULL, aborted_at REAL NOT NULL,
    PRIMARY KEY (site, account, ledger)
);
"""

#: States an entry moves through; ``starting`` and ``unknown`` may hide a run.
STATES = ("pending", "starting", "unknown", "started", "succeeded", "failed", "skipped")


def default_file() -> Path:
    """The ledger file that ledgers given by name live in."""
    return data_dir() / _FILE


def ledger_path(ledger: str | os.PathLike[str]) -> tuple[Path, str]:
    """``(file, name)`` for a ledger given as a name or a path."""
    text = os.fspath(ledger)
    if not text.strip():
        raise ValueError("`ledger` must be a name or a path, not empty")
    if os.sep in text or "/" in text or text.endswith((".sqlite", ".sqlite3", ".db")):
        path = Path(text).expanduser()
        return path, path.stem
    return default_file(), text


@dataclass
class Entry:
    """One ledger row: a run to start and what became of it."""

    job_id: str
    input_ids: tuple[str, ...]
    state: str
    run_slug: str | None = None
    sent_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    results: int = 0
    usage: float = 0.0
    err_msg: str | None = None
    attempts: int = 0


class Ledger:
    """The entries of one batch (ledger name) for one platform and account.

    Args:
        path: The SQLite file.
        name: The ledger's name inside it.
        base_url: The platform (only its hash is stored).
        account: The client's key tag (a one-way hash), or "" without a key.
    """

    def __init__(self, path: Path, name: str, *, base_url: str, account: str) -> None:
        self.path, self.name = path, name
        self._site = hashlib.sha256(base_url.strip().rstrip("/").encode()).hexdigest()[:16]
        self._account = account
        created = not path.parent.exists()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if created:
            with suppress(OSError):
                path.parent.chmod(0o700)
        with self._db() as db:
            db.executescript(_SCHEMA)
        with suppress(OSError):
            path.chmod(0o600)  # it names runs of someone's account

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # One short connection per write: safe across threads and processes, and each
        # write is on disk when the with-block ends (a SIGKILL right after loses nothing).
        with closing(sqlite3.connect(self.path, timeout=_BUSY_SECONDS)) as db, db:
            yield db

    def _key(self, job_id: str) -> tuple[str, str, str, str]:
        return (self._site, self._account, self.name, job_id)

    def entries(self) -> dict[str, Entry]:
        """Every entry of this batch, by job_id."""
        with self._db() as db:
            rows = db.execute(
                "SELECT job_id, input_ids, state, run_slug, sent_at, started_at, finished_at,"
                " results, usage, err_msg, attempts FROM jobs"
                " WHERE site=? AND account=? AND ledger=? ORDER BY rowid",
                (self._site, self._account, self.name),
            ).fetchall()
        return {r[0]: Entry(r[0], tuple(json.loads(r[1])), *r[2:]) for r in rows}

    def add(
        self, scraper_slug: str, jobs: Iterable[tuple[str, tuple[str, ...]]], now: float
    ) -> None:
        """Record ``(job_id, input_ids)`` jobs as pending, except those already known."""
        with self._db() as db:
            db.executemany(
                "INSERT OR IGNORE INTO jobs (site, account, ledger, job_id, scraper_slug,"
                " input_ids, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (*self._key(job_id), scraper_slug, json.dumps(list(ids)), "pending", now, now)
                    for job_id, ids in jobs
                ],
            )

    def update(
        self, job_id: str, now: float, *, only_from: tuple[str, ...] = (), **fields: Any
    ) -> bool:
        """Change some fields of one entry (``state``, ``run_slug``, ``results``...).

        Args:
            job_id: The entry.
            now: The time of the change.
            only_from: Change it only while its state is one of these (empty: always).
            **fields: The new values.

        Returns:
            False when ``only_from`` did not match (someone else changed the entry).
        """
        unknown = set(fields) - set(Entry.__dataclass_fields__)
        if unknown or fields.get("state", "pending") not in STATES:
            raise ValueError(f"not ledger fields: {sorted(unknown) or fields.get('state')}")
        names = ", ".join(f"{name}=?" for name in fields)
        guard = f" AND state IN ({', '.join('?' * len(only_from))})" if only_from else ""
        with self._db() as db:
            cursor = db.execute(
                f"UPDATE jobs SET {names}, updated_at=? WHERE site=? AND account=? AND ledger=?"
                f" AND job_id=?{guard}",
                (*fields.values(), now, *self._key(job_id), *only_from),
            )
        return cursor.rowcount == 1

    def claim(self, job_id: str, now: float, *, epoch: int) -> bool:
        """Mark a pending entry ``starting`` before its start is sent; False: do not send.

        It fails when the entry is no longer pending (another process claimed it, or an
        abort skipped it) or when the batch was aborted since ``epoch`` was read.
        """
        with self._db() as db:
            cursor = db.execute(
                "UPDATE jobs SET state='starting', sent_at=?, attempts=attempts+1, updated_at=?"
                " WHERE site=? AND account=? AND ledger=? AND job_id=? AND state='pending'"
                " AND ?=COALESCE((SELECT epoch FROM aborts WHERE site=? AND account=?"
                " AND ledger=?), 0)",
                (now, now, *self._key(job_id), epoch, self._site, self._account, self.name),
            )
        return cursor.rowcount == 1

    def abort_epoch(self) -> int:
        """How many times this batch was aborted; a claim holds only while it is unchanged."""
        return self._abort()[0]

    def aborted_at(self) -> float | None:
        """When this batch was last aborted, or None if it never was."""
        return self._abort()[1]

    def _abort(self) -> tuple[int, float | None]:
        with self._db() as db:
            row = db.execute(
                "SELECT epoch, aborted_at FROM aborts WHERE site=? AND account=? AND ledger=?",
                (self._site, self._account, self.name),
            ).fetchone()
        return (int(row[0]), float(row[1])) if row else (0, None)

    def stop_starting(self, now: float, *, err_msg: str) -> int:
        """Abort the batch: no claim succeeds from now on; pending entries are skipped.

        Returns:
            How many pending entries were skipped.
        """
        with self._db() as db:
            db.execute(
                "INSERT INTO aborts (site, account, ledger, epoch, aborted_at)"
                " VALUES (?,?,?,1,?) ON CONFLICT (site, account, ledger)"
                " DO UPDATE SET epoch=epoch+1, aborted_at=excluded.aborted_at",
                (self._site, self._account, self.name, now),
            )
        return self.skip_pending(now, err_msg=err_msg)

    def skip_pending(self, now: float, *, err_msg: str) -> int:
        """Mark every pending entry ``skipped`` (never started); returns how many."""
        with self._db() as db:
            cursor = db.execute(
                "UPDATE jobs SET state='skipped', err_msg=?, updated_at=? WHERE site=?"
                " AND account=? AND ledger=? AND state='pending'",
                (err_msg, now, self._site, self._account, self.name),
            )
        return cursor.rowcount

    def claimed_runs(self) -> set[str]:
        """Run slugs any batch of this account already owns (never adopted twice)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT run_slug FROM jobs WHERE site=? AND account=? AND run_slug IS NOT NULL",
                (self._site, self._account),
            ).fetchall()
        return {r[0] for r in rows}

    def summaries(self) -> list[dict[str, Any]]:
        """One dict per batch of this platform and account in this file."""
        with self._db() as db:
            rows = db.execute(
                "SELECT ledger, scraper_slug, state, COUNT(*), SUM(results), SUM(usage),"
                " MIN(created_at), MAX(updated_at) FROM jobs WHERE site=? AND account=?"
                " GROUP BY ledger, scraper_slug, state",
                (self._site, self._account),
            ).fetchall()
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for ledger, slug, state, count, results, usage, created, updated in rows:
            item = out.setdefault(
                (ledger, slug),
                {
                    "ledger": ledger,
                    "scraper_slug": slug,
                    "runs": 0,
                    "results": 0,
                    "usage": 0.0,
                    "created": created,
                    "updated": updated,
                    **{s: 0 for s in STATES},
                },
            )
            item[state] += count
            item["runs"] += count
            item["results"] += results or 0
            item["usage"] += usage or 0.0
            item["created"] = min(item["created"], created)
            item["updated"] = max(item["updated"], updated)
        return list(out.values())
