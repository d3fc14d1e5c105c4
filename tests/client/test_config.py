"""Where a client's settings come from; the Wire protocol both versions implement. No server."""

from __future__ import annotations

import inspect

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client import config
from coreclaw_pandas.client.v1 import V1
from coreclaw_pandas.client.v2 import V2
from coreclaw_pandas.client.wire import Wire


def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("CORECLAW_API_KEY", "sk-env")
    monkeypatch.setenv("CORECLAW_BASE_URL", "http://env.invalid")
    monkeypatch.setenv("CORECLAW_API_VERSION", "v2")
    assert config.resolve() == config.Settings("sk-env", "http://env.invalid", "v2")
    chosen = config.resolve("sk-arg", base_url="https://arg.invalid", api_version=" V1 ")
    assert chosen == config.Settings("sk-arg", "https://arg.invalid", "v1")
    assert chosen.wire is V1 and config.resolve(api_version="v2").wire is V2


def test_defaults_without_arguments_or_environment():
    settings = config.resolve()
    assert settings.api_key is None
    assert settings.base_url.startswith("https://")
    assert settings.api_version == "v1"


@pytest.mark.parametrize(
    ("options", "names"),
    [
        ({"base_url": "ftp://x.invalid"}, "http:// or https://"),
        ({"api_version": "v9"}, "not supported"),
    ],
)
def test_bad_settings_say_what_to_fix(options, names):
    with pytest.raises(cc.ConfigurationError, match=names):
        config.resolve(**options)


def test_the_settings_repr_never_shows_the_key():
    assert "sk-secret" not in repr(config.resolve("sk-secret"))


def _members(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


@pytest.mark.parametrize("wire", [V1, V2])
def test_both_versions_implement_every_member_of_the_wire_protocol(wire):
    for name in _members(Wire):
        assert hasattr(wire, name), f"{wire.__name__} lacks {name}"
        expected = getattr(Wire, name)
        if inspect.isfunction(expected):
            wanted = inspect.signature(expected).parameters
            got = inspect.signature(getattr(wire, name)).parameters
            assert list(got) == list(wanted), f"{wire.__name__}.{name} differs from Wire"
