"""Many inputs at once: ``cc.run_batch`` runs a Worker over a table of inputs.

Validation first (every input checked before any start), within the plan (never more
than ``max_in_flight`` unfinished runs; 30003 means "wait for a slot"), paid once (a
SQLite ledger written before and after every start, so the same call re-attaches after
a crash), and every row joined back to its input.

Modules: ``inputs`` (build and check every input), ``ledger`` (the SQLite ledger),
``scheduler`` (slots, backoff, the learned limit, unknown starts), ``lookup`` (an
unknown start's run in the run history), ``abort`` (stop starting, settle the starts in
flight, stop the runs), ``join`` (rows back to inputs), ``batch`` (the :class:`Batch`
object and ``run_batch``).
"""

from .abort import BatchAbortWarning
from .batch import Batch, BatchInterrupted, batches_df, run_batch

__all__ = ["Batch", "BatchAbortWarning", "BatchInterrupted", "batches_df", "run_batch"]
