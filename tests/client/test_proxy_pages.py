"""A proxy's HTML error page is named for what it is, never pasted into a message."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc

PATHS = {"v1": "/api/v1/account/info", "v2": "/api/v2/users/account"}


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize(("kind", "status"), [("gateway_after", 502), ("gateway_504_after", 504)])
def test_a_persistent_gateway_page_says_http_status_from_a_proxy(emu, version, kind, status):
    path = PATHS[version]
    emu.inject_fault(path, kind, fraction=1.0)
    with cc.Client(
        emu.api_key, base_url=emu.url, api_version=version, max_retries=2, backoff_factor=0.01
    ) as client:
        with pytest.raises(cc.ServerError) as info:
            client.account()
    text = str(info.value)
    assert len(emu.calls(path)) == 3  # a read: retried, then reported
    assert f"HTTP {status} from a proxy" in text and path in text
    assert "<" not in text and "nginx" not in text
    assert "CORECLAW_BASE_URL" in text  # what to check when it persists
    assert info.value.http_status == status and info.value.code is None
