"""Every error coreclaw-pandas raises, under one root.

The tree is flat on purpose; catch the family you can act on::

    CoreClawError
    ├── ConfigurationError        no API key, bad base URL or setting
    ├── InputError                Worker input rejected before anything was sent
    ├── APIError                  the platform answered with a non-zero ``code``
    │   ├── InvalidRequestError   4000 (and v2 11000 / HTTP 422)
    │   ├── AuthenticationError   20001, 20002, 10001, 10002, 4010
    │   ├── QuotaError            30001, 30002, 30003
    │   ├── NotFoundError         4040
    │   │   ├── WorkerNotFoundError   50001, 50003
    │   │   ├── TaskNotFoundError     60001
    │   │   └── RunNotFoundError      70001
    │   ├── RunStateError         70002 (the run cannot be aborted now)
    │   ├── RateLimitError        4290
    │   └── ServerError           5000, 50002
    ├── TransportError            no usable HTTP answer (connection, timeout, broken body)
    ├── RunFailedError            the run ended as Failed
    └── RunTimeoutError           waiting for the run took longer than asked
        └── RunAbortingError      the run still shows Aborting after the bounded polls

    KeyboardInterrupt
    └── RunInterrupted            Ctrl-C while waiting; the run goes on (or is being aborted)

Every message says what happened and what to do next; IPython shows it alone, without
the trace (``%xmode Verbose`` and ``%tb`` show that). No message, ``repr`` or
attribute ever holds the API key: the HTTP layer never passes headers in here.
"""

from __future__ import annotations

from .api import (
    APIError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    QuotaError,
    RateLimitError,
    RunNotFoundError,
    RunStateError,
    ServerError,
    TaskNotFoundError,
    WorkerNotFoundError,
    error_class_for_code,
)
from .base import ConfigurationError, CoreClawError, InputError, TransportError
from .runs import (
    RunAbortingError,
    RunFailedError,
    RunInterrupted,
    RunTimeoutError,
)

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "CoreClawError",
    "InputError",
    "InvalidRequestError",
    "NotFoundError",
    "QuotaError",
    "RateLimitError",
    "RunAbortingError",
    "RunFailedError",
    "RunInterrupted",
    "RunNotFoundError",
    "RunStateError",
    "RunTimeoutError",
    "ServerError",
    "TaskNotFoundError",
    "TransportError",
    "WorkerNotFoundError",
    "error_class_for_code",
]
