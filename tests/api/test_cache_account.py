"""The on-disk cache serves only the account that wrote it (issue 14).

A frame cached with key A must not be served to key B, to no key or to a wrong
key; key A's hit costs exactly one request (the run's detail, which authorises
it). Files are 0600, folders 0700, and no file holds the key.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.frames import cache

from .helpers import CATALOGUE

KEY_A = "key-a-0123456789"
KEY_B = "key-b-9876543210"


@pytest.fixture(scope="module")
def two_keys():
    """An emulator accepting two keys (two accounts, as far as the cache can tell)."""
    with Emulator(api_keys=[KEY_A, KEY_B]) as emu:
        yield emu


@pytest.fixture
def emu2(two_keys):
    two_keys.reset()
    yield two_keys
    two_keys.reset()


def _client(emu: Emulator, key: str | None, version: str) -> cc.Client:
    return cc.Client(key, base_url=emu.url, api_version=version, backoff_factor=0.01)


@pytest.fixture(params=["v1", "v2"])
def cached(request, emu2):
    """A finished run whose frame key A has cached, and the API version used."""
    with _client(emu2, KEY_A, request.param) as a:
        run = cc.run_worker(CATALOGUE, {"rows": 300}, progress=False, client=a)
        df = cc.results_df(run, progress=False, client=a)
    assert len(df) == 300 and len(list(cache.cache_dir().glob("*.parquet"))) == 1
    return run, request.param


def test_key_a_hit_costs_exactly_one_request(emu2, cached):
    run, version = cached
    emu2.clear_requests()
    with _client(emu2, KEY_A, version) as a:
        df = cc.results_df(run, progress=False, client=a)
    assert len(df) == 300
    assert len(emu2.requests) == 1
    assert "result" not in emu2.requests[0].path  # the run's detail, no page


@pytest.mark.parametrize(
    ("key", "error"),
    [(None, cc.ConfigurationError), ("wrong-key", cc.AuthenticationError)],
    ids=["no-key", "wrong-key"],
)
def test_no_key_or_a_wrong_key_gets_nothing_from_the_cache(emu2, cached, key, error):
    run, version = cached
    emu2.clear_requests()
    with _client(emu2, key, version) as other, pytest.raises(error) as raised:
        cc.results_df(run, progress=False, client=other)
    assert key is None or "wrong-key" not in str(raised.value)
    assert not any("result" in r.path for r in emu2.requests)


def test_key_b_never_gets_key_a_frame(emu2, cached):
    run, version = cached
    emu2.clear_requests()
    with _client(emu2, KEY_B, version) as b:
        df = cc.results_df(run, progress=False, client=b)
    # Read from the platform, which decides what B may see: not served from A's file.
    assert len(df) == 300
    assert sum("result" in r.path for r in emu2.requests) >= 3
    assert len(list(cache.cache_dir().glob("*.parquet"))) == 2


def test_a_run_the_key_cannot_reach_is_not_served(emu2, cached):
    run, version = cached
    emu2.reset()  # the platform forgets the run: the cached frame must not answer for it
    with _client(emu2, KEY_A, version) as a, pytest.raises(cc.RunNotFoundError):
        cc.results_df(run, progress=False, client=a)


def test_files_are_private_and_hold_no_key(emu2, cached):
    folder = cache.cache_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for secret in (KEY_A, KEY_B):
            assert secret not in path.name
            assert secret.encode() not in Path(path).read_bytes()


def test_the_cache_refuses_a_key_where_a_tag_belongs():
    with cc.Client(KEY_A, base_url="http://127.0.0.1:9") as c:
        tag = c.cache_account
    assert tag and KEY_A not in tag and len(tag) == 32
    frame = pd.DataFrame({"n": [1]})
    with pytest.raises(ValueError, match="not a key"):
        cache.store(frame, "http://127.0.0.1:9", "RUN1", account=KEY_A)
    assert cache.load("http://127.0.0.1:9", "RUN1", account=KEY_A) is None
