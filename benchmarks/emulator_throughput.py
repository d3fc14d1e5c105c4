"""How fast the emulator serves result pages, and what a big run costs in memory.

Usage: python benchmarks/emulator_throughput.py [--quick]

The emulator runs in its own process (as users run it), the script is a plain
keep-alive client. It stores a catalogue run (1,000,000 rows; 100,000 with
--quick), reports the server's memory growth per row, then reads pages of 100
rows with ``http.client`` (one and two connections, JSON parsed by the client, and
once without parsing to show the server's own pace) and ``requests.Session``, and
prints pages/s against the 500 pages/s target.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
TARGET_PAGES_PER_SECOND = 500
PAGE_SIZE = 100


def start_server() -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coreclaw_pandas.emulator",
            "--port",
            "0",
            "--api-key",
            KEY,
            "--balance",
            "100000",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    match = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    if not match:
        process.kill()
        raise SystemExit("the emulator did not start")
    return process, match.group(0)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def call(conn: http.client.HTTPConnection, path: str, body: dict, *, parse: bool = True) -> dict:
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"api-key": KEY, "Content-Type": "application/json"},
    )
    reply = conn.getresponse()
    raw = reply.read()
    if not parse:
        if reply.status != 200 or not raw.startswith(b'{"code":0,'):
            raise SystemExit(f"{path} failed: {raw[:200]!r}")
        return {"list": [None] * PAGE_SIZE}
    payload = json.loads(raw)
    if payload["code"] != 0:
        raise SystemExit(f"{path} failed: {payload}")
    return payload["data"]


def store_catalogue(url: str, rows: int, pid: int) -> str:
    session = requests.Session()
    session.headers["api-key"] = KEY
    detail = session.get(url + "/api/scraper", params={"slug": "coreclaw/catalogue-generator"})
    version = detail.json()["data"]["version"]
    system = {
        "cpus": 0.125,
        "memory": 512,
        "execute_limit_time_seconds": 0,
        "max_total_charge": 0,
        "max_total_traffic": 0,
    }
    before = rss_mib(pid)
    started = time.perf_counter()
    body = {
        "scraper_slug": "coreclaw/catalogue-generator",
        "version": version,
        "is_async": True,
        "input": {"parameters": {"system": system, "custom": {"rows": rows}}},
    }
    slug = session.post(url + "/api/v1/scraper/run", json=body).json()["data"]["run_slug"]
    while True:
        run = session.post(url + "/api/v1/run/detail", json={"run_slug": slug}).json()["data"]
        if run["status"] in (3, 4):
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    grown = rss_mib(pid) - before
    print(
        f"stored {run['results']:,} rows (status {run['status']}) in {elapsed:.1f} s "
        f"= {run['results'] / elapsed:,.0f} rows/s"
    )
    print(
        f"server memory grew {grown:,.0f} MiB = {grown * 1024 * 1024 / max(rows, 1):,.0f} "
        f"bytes per row"
    )
    return slug


def read_pages(
    url: str, slug: str, seconds: float, total_pages: int, offset: int = 0, *, parse: bool = True
) -> int:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    pages, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        index = (pages + offset) % total_pages + 1
        data = call(
            conn,
            "/api/v1/run/result/list",
            {"run_slug": slug, "page_index": index, "page_size": PAGE_SIZE},
            parse=parse,
        )
        assert len(data["list"]) == PAGE_SIZE
        pages += 1
    conn.close()
    return pages


def report(label: str, pages: int, seconds: float) -> None:
    rate = pages / seconds
    print(f"{label:<34} {rate:8,.0f} pages/s  ({rate / TARGET_PAGES_PER_SECOND:4.2f}x target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows, short measurements")
    args = parser.parse_args()
    rows = 100_000 if args.quick else 1_000_000
    seconds = 2.0 if args.quick else 5.0
    process, url = start_server()
    try:
        slug = store_catalogue(url, rows, process.pid)
        total_pages = rows // PAGE_SIZE
        read_pages(url, slug, 0.5, total_pages)  # warm-up
        # Without parsing, the client costs little: this is the server's own pace.
        report(
            "http.client, bytes only",
            read_pages(url, slug, seconds, total_pages, parse=False),
            seconds,
        )
        report("http.client, 1 connection", read_pages(url, slug, seconds, total_pages), seconds)

        counts: list[int] = []
        threads = [
            threading.Thread(
                target=lambda o=o: counts.append(read_pages(url, slug, seconds, total_pages, o))
            )
            for o in (0, total_pages // 2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report("http.client, 2 connections", sum(counts), seconds)

        session = requests.Session()
        session.headers["api-key"] = KEY
        pages, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = {"run_slug": slug, "page_index": pages % total_pages + 1, "page_size": PAGE_SIZE}
            session.post(url + "/api/v1/run/result/list", json=body).json()
            pages += 1
        report("requests.Session, 1 connection", pages, seconds)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
