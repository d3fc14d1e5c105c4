"""Reading a run's results: pages, rows, exports and the log.

Split from :mod:`.client` to keep each module readable; :class:`ResultReads`
holds only methods and is mixed into :class:`~coreclaw_pandas.client.Client`,
whose constructor sets the attributes declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from ..exceptions import InputError
from ..models import ResultPage, RunLog, TablePage
from . import bulk, paging
from .starts import require_slug
from .tally import ReadTally
from .transport import Transport
from .wire import Wire

__all__ = ["ResultReads"]


class ResultReads:
    """The result-reading endpoints of :class:`~coreclaw_pandas.client.Client`."""

    _wire: Wire
    _http: Transport
    api_version: str
    page_size: int
    page_concurrency: int

    def results_page(
        self, run_slug: str, *, page_index: int = 1, page_size: int | None = None
    ) -> ResultPage:
        """One page of a run's result rows (``page_index`` starts at 1)."""
        require_slug("run_slug", run_slug)
        return self._wire.results_page(
            run_slug, page_index=page_index, page_size=page_size or self.page_size
        )

    @property
    def cache_account(self) -> str | None:
        """A one-way tag of the API key that names its account in the on-disk cache.

        None without a key. The key cannot be recovered from it (a salted SHA-256).
        """
        return self._http.key_tag

    def iter_result_pages(
        self,
        run_slug: str,
        *,
        max_rows: int | None = None,
        page_size: int | None = None,
        expected: int | None = None,
        tally: ReadTally | None = None,
    ) -> Iterator[ResultPage]:
        """Every result page in order, ``page_concurrency`` at a time, to the known total.

        See :func:`coreclaw_pandas.client.paging.result_pages` for the rules (short
        pages read again, rows de-duplicated by ``__coreclaw_data_id__``, a running
        run's growth, the page-size step-down).

        Args:
            run_slug: The run.
            max_rows: Stop after this many rows.
            page_size: Rows per page (default: the client's ``page_size``).
            expected: The run's row count (``Run.results``), when known: pages are read
                to it even when the first page says less.
            tally: A :class:`ReadTally` to fill, to check afterwards that nothing is
                missing (``tally.complete``, ``tally.problems()``).
        """
        require_slug("run_slug", run_slug)
        return paging.result_pages(
            self._wire,
            run_slug,
            page_size=page_size or self.page_size,
            concurrency=self.page_concurrency,
            max_rows=max_rows,
            expected=expected,
            tally=tally,
        )

    def iter_table_pages(
        self,
        run_slug: str,
        *,
        decode: bulk.Decoder,
        max_rows: int | None = None,
        page_size: int | None = None,
        expected: int | None = None,
        tally: ReadTally | None = None,
    ) -> Iterator[ResultPage | TablePage]:
        """Every result page in order, as :meth:`iter_result_pages`, decoded in batches.

        The bulk path (:mod:`coreclaw_pandas.client.bulk`): replies are kept as bytes and
        handed to ``decode`` a batch at a time; a reply it refuses comes back as a
        :class:`ResultPage`. Pages in flight start at ``page_concurrency`` and follow the
        round trip.

        Args:
            run_slug: The run.
            decode: Raw replies to :class:`~coreclaw_pandas.models.TablePage` (or None each).
            max_rows: Stop after this many rows.
            page_size: Rows per page (default: the client's ``page_size``).
            expected: The run's row count, when known.
            tally: A :class:`ReadTally` to fill.
        """
        require_slug("run_slug", run_slug)
        return bulk.table_pages(
            self._wire,
            self._http,
            run_slug,
            decode=decode,
            page_size=page_size or self.page_size,
            concurrency=self.page_concurrency,
            max_rows=max_rows,
            expected=expected,
            tally=tally,
        )

    def iter_page_range(
        self,
        run_slug: str,
        *,
        first: int,
        last: int,
        page_size: int,
        total: int,
        decode: bulk.Decoder,
        tally: ReadTally | None = None,
    ) -> Iterator[ResultPage | TablePage]:
        """Pages ``first`` to ``last`` of a run of ``total`` rows, by the bulk path.

        One slice of a run, for a reader that splits the work (``cc.results_dask``).
        ``page_size`` must be one the server serves (page 1's ``page_size`` says).
        """
        require_slug("run_slug", run_slug)
        return bulk.page_range(
            self._wire,
            self._http,
            run_slug,
            first=first,
            last=last,
            page_size=page_size,
            total=total,
            decode=decode,
            concurrency=self.page_concurrency,
            tally=tally,
        )

    def iter_results(
        self, run_slug: str, *, max_rows: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every result row of a run, in order."""
        for page in self.iter_result_pages(run_slug, max_rows=max_rows):
            yield from page.rows

    def export_url(
        self, run_slug: str, *, format: str = "csv", columns: list[str] | None = None
    ) -> str:
        """Ask the platform to export a run's rows; returns a temporary download URL.

        Args:
            run_slug: The run.
            format: ``"csv"`` or ``"json"`` (v1); v2 adds ``"jsonl"``, ``"xlsx"``,
                ``"xls"``, ``"xml"``, ``"html"`` and ``"rss"``.
            columns: Keys to keep; all when None.
        """
        require_slug("run_slug", run_slug)
        formats = self._wire.export_formats
        if format not in formats:
            raise InputError(
                [
                    f"`format` must be one of {', '.join(formats)} in API {self.api_version}, "
                    f"got {format!r}"
                ]
            )
        return self._wire.export(run_slug, format=format, filter_keys=columns or [])

    def download(
        self,
        url: str,
        out: IO[bytes],
        *,
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> int:
        """Download an export URL into a binary file, without sending the API key."""
        return self._http.download(url, out, on_progress=on_progress)

    def log(self, run_slug: str) -> RunLog:
        """The run's recent log entries and the URL of its full log."""
        require_slug("run_slug", run_slug)
        return self._wire.log(run_slug)
