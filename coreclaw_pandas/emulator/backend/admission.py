"""Whether the platform admits a run start: enough balance, and a free plan slot.

``Engine.create_run`` calls ``admit`` under the state lock, so two racing starts
cannot both take the last slot. A refused start creates no run and charges nothing.
"""

from __future__ import annotations

from decimal import Decimal

from ..workers.base import WorkerSpec
from .state import RunStatus, State

#: Run states that take one of the plan's concurrent slots. Only executing runs count
#: (docs/platform.md, concurrency limits): an aborting run has given its slot back.
#: Ready counts, being the first instant of running, so racing starts cannot overbook.
HOLDS_SLOT = frozenset({RunStatus.READY, RunStatus.RUNNING})


class StartRefused(Exception):
    """A start the platform refuses: no run is created and nothing is charged."""


class BalanceTooLow(StartRefused):
    """The balance (``balance``, in USD) cannot pay for one row of the Worker."""

    def __init__(self, balance: Decimal) -> None:
        super().__init__(f"the balance ({balance} USD) cannot pay for a run")
        self.balance = balance


class TooManyRuns(StartRefused):
    """``active`` runs are executing and the plan allows ``limit`` at a time."""

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"{active} runs are executing and the plan allows {limit} at a time")
        self.active, self.limit = active, limit


def admit(state: State, worker: WorkerSpec, limit: int | None) -> None:
    """Refuse a start of ``worker`` the account cannot make now; call under ``state.lock``.

    Raises:
        BalanceTooLow: The balance cannot pay for one row.
        TooManyRuns: ``limit`` runs are executing already.
    """
    balance = state.account.balance
    # A start needs money for at least one row: the platform refuses empty wallets.
    if balance <= 0 or balance < Decimal(str(worker.price_per_row)):
        raise BalanceTooLow(balance)
    if limit is not None:
        active = sum(1 for run in state.runs.values() if run.status in HOLDS_SLOT)
        if active >= limit:
            raise TooManyRuns(active, limit)
