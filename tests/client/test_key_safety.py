"""The key never leaks: not from a stray newline, a traceback's locals, an echoing server
or a ``user:password@`` in the base URL."""

from __future__ import annotations

import traceback

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.writers import to_excel

from .helpers import echo_server, frames_holding, verbose_traceback

CATALOGUE = "coreclaw/catalogue-generator"
SECRET = "sk-LEAK-CANARY-6a1f0c9e"


def _shown(exc: BaseException) -> str:
    return verbose_traceback(exc) + repr(exc) + str(vars(exc))


@pytest.mark.parametrize("padding", ["\n", "\r\n", " ", "\t", " \n "])
def test_surrounding_whitespace_is_stripped(emu, padding):
    with cc.Client(emu.api_key + padding, base_url=emu.url) as client:
        assert client.account() is not None  # accepted: the header held the bare key


def test_surrounding_whitespace_is_stripped_from_the_environment(emu, monkeypatch):
    monkeypatch.setenv("CORECLAW_API_KEY", emu.api_key + "\n")
    with cc.Client(base_url=emu.url) as client:
        assert client.account() is not None


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (SECRET[:6] + "\n" + SECRET[6:], "U+000A"),
        (SECRET[:6] + "\x00" + SECRET[6:], "U+0000"),
        (SECRET[:6] + " " + SECRET[6:], "U+0020"),
        (SECRET[:6] + "\u00e9" + SECRET[6:], "U+00E9"),
        (" \n\t ", "empty"),
    ],
)
def test_a_key_with_a_bad_character_is_refused_naming_the_problem_not_the_value(
    emu, key, problem
):
    with pytest.raises(cc.ConfigurationError) as info:
        cc.Client(key, base_url=emu.url)
    # The caller's own frames hold the key it passed; the error itself must not.
    text = "".join(traceback.format_exception(info.value)) + repr(info.value)
    text += str(vars(info.value))
    assert problem in str(info.value)
    assert SECRET[:6] not in text and SECRET[7:] not in text
    assert emu.requests == []  # refused before anything was sent


def test_no_frame_local_holds_the_key_after_a_failing_call(emu):
    with cc.Client(SECRET, base_url=emu.url, max_retries=0) as client:
        with pytest.raises(cc.AuthenticationError) as refused:
            client.account()
        client.worker(CATALOGUE)
        emu.inject_fault("/api/v1/scraper/run", "gateway_after")
        with pytest.raises(cc.ServerError) as gateway:
            client.start_run(CATALOGUE, {"rows": 1})
        client._http.base_url = "http://127.0.0.1:9"  # nothing listens: requests raises
        with pytest.raises(cc.TransportError) as unreachable:
            client.account()
        with pytest.raises(cc.TransportError) as unreachable_start:
            client.start_run(CATALOGUE, {"rows": 1})
    for info in (refused, gateway, unreachable, unreachable_start):
        assert frames_holding(info.value, SECRET) == []
        assert SECRET not in _shown(info.value)


@pytest.mark.parametrize("mode", ["json", "html", "text"])
def test_a_server_echoing_the_key_gets_it_redacted(mode):
    with echo_server(mode) as url, cc.Client(SECRET, base_url=url, max_retries=0) as client:
        with pytest.raises(cc.CoreClawError) as info:
            client.account()
        with pytest.raises(cc.CoreClawError) as v2_info:
            cc.Client(SECRET, base_url=url, api_version="v2", max_retries=0).account()
    for exc in (info.value, v2_info.value):
        assert SECRET not in _shown(exc)
        assert SECRET not in str(getattr(exc, "api_message", "")) + str(getattr(exc, "data", ""))
    if mode == "json":
        assert "[redacted]" in str(info.value)


def test_userinfo_in_the_base_url_is_never_shown_nor_sent(emu, tmp_path):
    host = emu.url.split("://", 1)[1]
    with pytest.warns(UserWarning, match="user:password"):
        client = cc.Client(emu.api_key, base_url=f"http://alice:{SECRET}@{host}")
    assert SECRET not in repr(client) and "alice" not in repr(client)
    assert client.base_url == emu.url
    run = client.wait(client.start_run(CATALOGUE, {"rows": 3}).slug)
    df = cc.results_df(run, client=client)
    assert SECRET not in repr(df.attrs) and "alice" not in repr(df.attrs)
    to_excel(df, tmp_path / "rows.xlsx")
    about = pd.read_excel(tmp_path / "rows.xlsx", sheet_name="About", header=None)
    assert SECRET not in about.to_string() and "alice" not in about.to_string()
    with pytest.raises(cc.RunNotFoundError) as info:
        client.run("01JZZZZZZZZZZZZZZZZZZZZZZZ")
    assert SECRET not in _shown(info.value)
    assert not any("Authorization" in str(r) and "Basic" in str(r) for r in emu.requests)


def test_userinfo_kept_by_hand_in_attrs_is_not_written_to_the_about_sheet(tmp_path):
    df = pd.DataFrame({"a": [1]})
    df.attrs["coreclaw"] = {"base_url": f"https://bob:{SECRET}@api.example", "run_slug": "r"}
    to_excel(df, tmp_path / "rows.xlsx")
    about = pd.read_excel(tmp_path / "rows.xlsx", sheet_name="About", header=None)
    assert SECRET not in about.to_string() and "bob" not in about.to_string()
    assert "https://api.example" in about.to_string()


def test_set_provenance_drops_userinfo_and_keeps_the_rest():
    from coreclaw_pandas.frames import provenance_of, set_provenance

    df = set_provenance(pd.DataFrame(), {"base_url": f"https://bob:{SECRET}@api.example/x"})
    assert provenance_of(df)["base_url"] == "https://api.example/x"
    df = set_provenance(pd.DataFrame(), {"base_url": "not a url"})
    assert provenance_of(df)["base_url"] == "not a url"
