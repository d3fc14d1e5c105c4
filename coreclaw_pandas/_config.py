"""Defaults in one place, each with the reason for its value."""

from __future__ import annotations

from datetime import timedelta, timezone
from importlib.metadata import PackageNotFoundError, version

try:
    #: pyproject.toml is the one place the version is written; this reads it back.
    VERSION = version("coreclaw-pandas")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    VERSION = "0+unknown"

#: The platform's documented v1 base URL (docs/platform.md §1.1).
DEFAULT_BASE_URL = "https://openapi.coreclaw.com"
ENV_API_KEY = "CORECLAW_API_KEY"
ENV_BASE_URL = "CORECLAW_BASE_URL"
ENV_API_VERSION = "CORECLAW_API_VERSION"

#: v1 is the contract of the seed pages this package was built against.
DEFAULT_API_VERSION = "v1"

#: Connect quickly or fail; a read may take a while on a busy platform.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
#: A sync start waits up to 5 minutes on the server (docs/platform.md §3.1), so read longer.
SYNC_READ_TIMEOUT = 330.0

#: The documented remedy for 4290: 1, 2, 4, 8, 16 s backoff over five tries (platform.md §8.1).
MAX_RETRIES = 5
BACKOFF_FACTOR = 1.0
BACKOFF_MAX = 30.0
BACKOFF_JITTER = 0.5
#: No retry loop may outlive this, whatever the count says.
RETRY_DEADLINE = 120.0

#: 100 rows is the page size every peer client uses safely; the v1 maximum is undocumented.
PAGE_SIZE = 100
#: Sizes tried, largest first, when the server rejects a page size with 4000.
PAGE_SIZE_STEPS = (1000, 500, 100, 50, 10)
#: A result page short of its place in the total (empty, `data: null`, rows missing) is
#: read again this many times, after 0.2, 0.4, 0.6 s, before the read reports it.
SHORT_PAGE_RETRIES = 3
SHORT_PAGE_BACKOFF = 0.2
#: Replies larger than this are refused instead of buffered: the largest legitimate
#: reply (1,000 rows of a wide Worker) is a few MiB, and a hostile one must not fill RAM.
MAX_REPLY_BYTES = 64 * 1024 * 1024
#: Pages fetched at once: enough to hide latency, few enough to stay polite. At 50 ms per
#: request, 8 reads 100,000 rows 1.3x faster than 6 and no slower at 0 ms, where more
#: threads only contend for the GIL (benchmarks/results_df.py, docs/performance.md).
PAGE_CONCURRENCY = 8
#: The platform's calendar runs on Beijing time: a v2 run list covers one month of it, and
#: ``end_time`` names a day there (docs/platform.md, run history). Fixed, no daylight saving.
PLATFORM_ZONE = timezone(timedelta(hours=8), "UTC+08:00")
#: v2 adds this to ``end_time`` so that the whole named day is included.
SECONDS_PER_DAY = 86_400
#: History read without ``since`` goes back this far.
HISTORY_DAYS = 365
#: Store search rows by default (the platform's own default is 10).
STORE_LIMIT = 20
#: Failed runs of the same second read to find one's reason (v2 detail has no err_msg).
REASON_SCAN = 200

#: Worker detail (version, schema) is re-read after this long: schemas change between versions.
WORKER_CACHE_SECONDS = 60.0

#: Polling starts quick and backs off to 15 s, so a one-minute run costs about nine requests.
POLL_INITIAL = 1.0
POLL_FACTOR = 1.5
POLL_MAX = 15.0
#: Status 5 (Aborting) is not terminal; polls allowed while it lasts before giving up.
ABORTING_POLLS = 10
#: Log lines carried by a RunFailedError.
LOG_TAIL = 10

USER_AGENT_PRODUCT = "coreclaw-pandas"
