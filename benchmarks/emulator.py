"""Case 6: result pages per second the emulator serves at 0 ms, so it is never the bottleneck.

The emulator runs in its own process (as in every case that reads results);
the readers here are plain keep-alive clients reading pages of 100 rows of the
stored catalogue run, round and round, for a fixed time each:

* ``http.client``, body bytes only: the server's own pace (the client barely works);
* ``http.client``, JSON parsed, on one and on two connections;
* ``requests.Session``, JSON parsed: what an ordinary client sees.

Compared with the rate at which ``results_df`` consumed pages at 0 ms in case 1
(when it ran in the same invocation), the emulator must be much faster.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import requests

from ._harness import CaseResult, Context, Target
from ._server import rss_mb

NAME = "emulator"
PAGE_SIZE = 100
PATH = "/api/v1/run/result/list"
#: The pace the emulator was built to (from the earlier benchmarks/emulator_throughput.py).
TARGET_PAGES_PER_SECOND = 500


def _read_http_client(
    url: str, key: str, slug: str, seconds: float, pages: int, offset: int, *, parse: bool
) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"api-key": key, "Content-Type": "application/json"}
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        body = {"run_slug": slug, "page_index": (done + offset) % pages + 1, "page_size": PAGE_SIZE}
        conn.request("POST", PATH, body=json.dumps(body), headers=headers)
        raw = conn.getresponse().read()
        if parse:
            if len(json.loads(raw)["data"]["list"]) != PAGE_SIZE:
                raise RuntimeError("a short page: the run is smaller than it should be")
        elif not raw.startswith(b'{"code":0,'):
            raise RuntimeError(f"the emulator answered {raw[:200]!r}")
        done += 1
    conn.close()
    return done


def _read_requests(url: str, key: str, slug: str, seconds: float, pages: int) -> int:
    with requests.Session() as session:
        session.headers["api-key"] = key
        done, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = {"run_slug": slug, "page_index": done % pages + 1, "page_size": PAGE_SIZE}
            session.post(url + PATH, json=body).json()
            done += 1
    return done


def _two_connections(url: str, key: str, slug: str, seconds: float, pages: int) -> int:
    counts: list[int] = []
    threads = [
        threading.Thread(
            target=lambda o=offset: counts.append(
                _read_http_client(url, key, slug, seconds, pages, o, parse=True)
            )
        )
        for offset in (0, pages // 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


def run(ctx: Context) -> CaseResult:
    """Read pages for ``throughput_seconds`` with each reader, ``repeat`` times."""
    rows = ctx.sizes.rows
    seconds = ctx.sizes.throughput_seconds
    result = CaseResult(
        NAME,
        "result pages of 100 rows served per second by the emulator process, at 0 ms",
        {"rows_stored": rows, "seconds_per_reading": seconds, "repeat": ctx.repeat},
    )
    slug = ctx.catalogue(rows)
    emu = ctx.emulator()
    emu.set_latency(0)
    url, key = emu.url, emu.api_key
    pages = max(1, rows // PAGE_SIZE)
    readers = {
        "http.client, bytes only": lambda: _read_http_client(
            url, key, slug, seconds, pages, 0, parse=False
        ),
        "http.client, JSON parsed": lambda: _read_http_client(
            url, key, slug, seconds, pages, 0, parse=True
        ),
        "http.client, 2 connections": lambda: _two_connections(url, key, slug, seconds, pages),
        "requests.Session": lambda: _read_requests(url, key, slug, seconds, pages),
    }
    _read_http_client(url, key, slug, min(seconds, 0.5), pages, 0, parse=False)  # warm-up
    series = {name: result.add(name, "pages/s") for name in readers}
    for _ in range(ctx.repeat):
        for name, read in readers.items():
            series[name].samples.append(read() / seconds)
    best = max(m.median for m in series.values())
    result.targets.append(
        Target("emulator pages/s (best reader)", best, ">=", TARGET_PAGES_PER_SECOND, " pages/s")
    )
    consumed = ctx.shared.get("results_df_pages_per_s")
    if consumed:
        result.notes.append(
            f"results_df consumed {consumed:,.0f} pages/s at 0 ms: the emulator serves "
            f"{best / consumed:.1f}x that"
        )
    result.notes.append(f"emulator process RSS: {rss_mb(emu.pid):,.0f} MB")
    return result
