"""Case 6: result pages per second the emulator serves at 0 ms, so it is never the bottleneck.

The emulator runs in its own process (as in every case that reads results);
the readers here are plain keep-alive clients reading pages of 100 rows of the
stored catalogue run, round and round, for a fixed time each:

* ``http.client``, body bytes only: the server's own pace (the client barely works);
* ``http.client``, JSON parsed, on one and on two connections;
* ``http.client``, body bytes only, on four connections: the server never waits for a
  request, so this is closest to its own ceiling;
* ``requests.Session``, JSON parsed: what an ordinary client sees.

Compared with the rate at which ``results_df`` consumed pages at 0 ms in case 1
(when it ran in the same invocation), the emulator must be much faster.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ._harness import CaseResult, Context, Target
from ._server import rss_mb

NAME = "emulator"
PAGE_SIZE = 100
PATH = "/api/v1/run/result/list"
#: Issue 19: at least 3,000 pages/s at 0 ms, so that the benchmarks measure the client.
TARGET_PAGES_PER_SECOND = 3_000


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


def _connections(
    url: str, key: str, slug: str, seconds: float, pages: int, *, count: int, parse: bool
) -> int:
    counts: list[int] = []
    threads = [
        threading.Thread(
            target=lambda o=offset: counts.append(
                _read_http_client(url, key, slug, seconds, pages, o, parse=parse)
            )
        )
        for offset in range(0, pages, max(1, pages // count))[:count]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts)


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process so far (Linux ``/proc``); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    # utime and stime are fields 14 and 15 of stat(5), the 12th and 13th after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        "http.client, 2 connections": lambda: _connections(
            url, key, slug, seconds, pages, count=2, parse=True
        ),
        # Several connections keep the server busy while each reply is in transit.
        "http.client, bytes only, 4 connections": lambda: _connections(
            url, key, slug, seconds, pages, count=4, parse=False
        ),
        "requests.Session": lambda: _read_requests(url, key, slug, seconds, pages),
    }
    _read_http_client(url, key, slug, min(seconds, 0.5), pages, 0, parse=False)  # warm-up
    series = {name: result.add(name, "pages/s") for name in readers}
    cpu_ms = {name: result.add(f"emulator CPU per page: {name}", "ms") for name in readers}
    for _ in range(ctx.repeat):
        for name, read in readers.items():
            cpu_before = _cpu_seconds(emu.pid)
            done = read()
            series[name].samples.append(done / seconds)
            cpu_ms[name].samples.append((_cpu_seconds(emu.pid) - cpu_before) * 1000 / done)
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
    # On a loaded machine the reader and the server share the cores; the server's own CPU
    # per page says what it could serve on one free core.
    cheapest = min(m.median for m in cpu_ms.values())
    if cheapest == cheapest and cheapest > 0:
        result.notes.append(
            f"emulator CPU per page (cheapest reader): {cheapest:.3f} ms, i.e. "
            f"{1000 / cheapest:,.0f} pages/s on one free core"
        )
    result.notes.append(f"emulator process RSS: {rss_mb(emu.pid):,.0f} MB")
    return result
