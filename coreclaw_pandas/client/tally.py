"""What a read of a run's result pages found: the facts a completeness check needs.

Filled by the page readers (:mod:`.paging`, :mod:`.bulk`); read by ``cc.results_df`` and
every other reader to say, loudly, when a frame is not the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ReadTally"]


@dataclass
class ReadTally:
    """What a read of a run's result pages found: the facts a completeness check needs.

    Attributes:
        expected: Rows the read should give: the larger of the run's row count and the
            pages' ``count``, capped by ``max_rows``.
        rows: Rows kept (after de-duplication).
        duplicates: Rows dropped because their ``__coreclaw_data_id__`` was already read.
        without_id: Rows kept that carry no ``__coreclaw_data_id__`` (never de-duplicated).
        non_objects: List items that were not JSON objects, left out of the rows.
        short_pages: ``(page_index, new rows, rows wanted)`` of each page that stayed short
            after its retries.
        retries: Pages read again because they came back short, empty or null.
        repeated: Rows kept whose id a row kept much earlier in the read already had,
            found when the read ended (too far apart to drop as they came, see
            :mod:`.seen`): the rows hold them twice.
    """

    expected: int = 0
    rows: int = 0
    duplicates: int = 0
    without_id: int = 0
    non_objects: int = 0
    short_pages: list[tuple[int, int, int]] = field(default_factory=list)
    retries: int = 0
    repeated: int = 0

    @property
    def complete(self) -> bool:
        """True when every expected row was read once, and nothing was dropped."""
        return self.rows >= self.expected and not self.non_objects and not self.repeated

    def problems(self) -> list[str]:
        """What went wrong, one sentence each (empty when the read is complete)."""
        found = []
        if self.rows < self.expected:
            found.append(f"{self.rows:,} rows read of {self.expected:,} expected")
        if self.short_pages:
            shown = ", ".join(
                f"page {index} gave {got} of {wanted}"
                for index, got, wanted in self.short_pages[:5]
            )
            more = len(self.short_pages) - 5
            found.append(
                f"short or missing pages: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        if self.non_objects:
            found.append(f"{self.non_objects} list items were not JSON objects and were left out")
        if self.duplicates:
            found.append(f"{self.duplicates} duplicated rows were dropped")
        if self.repeated:
            found.append(
                f"{self.repeated:,} rows repeat the id of a row read earlier (they are there "
                "twice, and as many others may be missing)"
            )
        return found
