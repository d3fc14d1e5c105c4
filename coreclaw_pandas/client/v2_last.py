"""The v2 ``/last`` shortcuts on the wire: the newest run of the account or of a Worker.

``/api/v2/worker-runs/last[...]`` acts on the account's newest run and
``/api/v2/workers/{id}/runs/last[...]`` on one Worker's (docs/platform.md §3.5). With
no such run the platform answers 11004, as for an unknown Worker. The vendor
advises a concrete run id whenever the target must be exact: between reading
"the last run" and acting on it, another start can become the last one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..models import ResultPage, RunLog
from . import replies
from .transport import Transport
from .v2 import MAX_LIMIT
from .wire import Policy

_READ = Policy(
    idempotent=True, retry_codes=frozenset({13000, 10000}), refused_codes=frozenset({13000})
)
_START = Policy(idempotent=False, retry_codes=frozenset(), refused_codes=frozenset({13000}))


def last_path(scraper_slug: str | None) -> str:
    """The ``/last`` root for the account (None) or for one Worker."""
    if not scraper_slug:
        return "/api/v2/worker-runs/last"
    return f"/api/v2/workers/{quote(scraper_slug.replace('/', '~'), safe='~')}/runs/last"


class V2Last:
    """The ``/last`` shortcuts over a v2 transport; ``scraper_slug=None`` is the account's."""

    def __init__(self, http: Transport) -> None:
        self.http = http

    def _get(self, path: str, params: Mapping[str, Any] | None, scraper_slug: str | None) -> Any:
        context = {"scraper_slug": scraper_slug}
        return self.http.call("GET", path, policy=_READ, params=params, context=context) or {}

    def run(self, scraper_slug: str | None) -> Mapping[str, Any]:
        """GET .../last: the newest run's detail (raw; 11004 when there is none)."""
        data = self._get(last_path(scraper_slug), None, scraper_slug)
        return data if isinstance(data, Mapping) else {}

    def results_page(
        self, scraper_slug: str | None, *, page_index: int, page_size: int
    ) -> ResultPage:
        """GET .../last/result."""
        size = min(page_size, MAX_LIMIT)
        params = {"offset": page_index, "limit": size}
        data = self._get(last_path(scraper_slug) + "/result", params, scraper_slug)
        return replies.page(data, page_index=page_index, page_size=size)

    def log(self, scraper_slug: str | None) -> RunLog:
        """GET .../last/log."""
        return replies.run_log(self._get(last_path(scraper_slug) + "/log", None, scraper_slug))

    def export(self, scraper_slug: str | None, *, format: str, filter_keys: Sequence[str]) -> str:
        """GET .../last/export: the download URL."""
        params: dict[str, Any] = {"format": format}
        if filter_keys:
            params["filter_keys"] = ",".join(filter_keys)
        data = self._get(last_path(scraper_slug) + "/export", params, scraper_slug)
        return str(data.get("download_url") or "")

    def abort(self, scraper_slug: str | None) -> None:
        """POST .../last/abort."""
        path = last_path(scraper_slug) + "/abort"
        self.http.post(path, {}, policy=_READ, context={"scraper_slug": scraper_slug})

    def rerun(self, scraper_slug: str | None, callback_url: str | None) -> str:
        """POST .../last/rerun: the new run's slug; never retried unless refused."""
        body: dict[str, Any] = {"is_async": True}
        if callback_url:
            body["callback_url"] = callback_url
        path = last_path(scraper_slug) + "/rerun"
        data = self.http.post(path, body, policy=_START, context={"scraper_slug": scraper_slug})
        return str(data.get("run_slug") or "")
