"""``python -m coreclaw_pandas.emulator`` starts, prints its URL and key, and serves."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_url_and_key_and_serves():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coreclaw_pandas.emulator",
            "--port",
            "0",
            "--api-key",
            "cli-key",
            "--max-page-size",
            "50",
            "--run-speed",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        second = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert match, (first, process.stderr.read() if process.poll() is not None else "")
        assert "cli-key" in second
        url = match.group(1)
        reply = requests.post(
            url + "/api/v1/account/info", json={}, headers={"api-key": "cli-key"}, timeout=10
        )
        assert reply.json()["code"] == 0
        reply = requests.post(
            url + "/api/v1/run/list",
            json={"page_index": 1, "page_size": 51},
            headers={"api-key": "cli-key"},
            timeout=10,
        )
        assert reply.json()["code"] == 4000 and "50" in reply.json()["message"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert process.stderr.read() == ""  # quiet by default
    process.stdout.close()
    process.stderr.close()


def test_ctrl_c_right_after_the_address_still_exits_cleanly():
    """A script may stop the emulator as soon as it has read the address line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "coreclaw_pandas.emulator", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "serving at" in process.stdout.readline()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, process.stderr.read()[-2000:]
