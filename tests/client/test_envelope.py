"""Envelope and error mapping, without a server."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.client import envelope
from coreclaw_pandas.client import replies as _parse
from coreclaw_pandas.client import transport as _http
from coreclaw_pandas.exceptions import error_class_for_code
from coreclaw_pandas.models import RunStatus


def test_raw_control_characters_in_strings_are_tolerated():
    assert envelope.decode(b'{"code":0,"data":{"err_msg":"line\x01one\ttab\nnl"}}') == {
        "code": 0,
        "data": {"err_msg": "line\x01one\ttab\nnl"},
    }


@pytest.mark.parametrize("body", [b"", b"<html>502 Bad Gateway</html>", b'{"code": 0, "da'])
def test_unreadable_bodies_decode_to_none(body):
    assert envelope.decode(body) is None


@pytest.mark.parametrize(
    "code, status, cls",
    [
        (4000, 400, cc.InvalidRequestError),
        (11000, 422, cc.InvalidRequestError),
        (20001, 401, cc.AuthenticationError),
        (12002, 401, cc.AuthenticationError),
        (30001, 200, cc.QuotaError),
        (30003, 429, cc.QuotaError),
        (50001, 404, cc.WorkerNotFoundError),
        (60001, 404, cc.TaskNotFoundError),
        (70001, 404, cc.RunNotFoundError),
        (70002, 500, cc.RunStateError),
        (4290, 429, cc.RateLimitError),
        (13000, 429, cc.RateLimitError),
        (5000, 500, cc.ServerError),
        (99999, 200, cc.APIError),  # unknown code: the generic class, code kept
        (None, 503, cc.ServerError),  # no body: the HTTP status decides
        (None, 401, cc.AuthenticationError),
    ],
)
def test_codes_map_to_classes(code, status, cls):
    assert error_class_for_code(code, status) is cls


def test_generic_not_found_is_narrowed_by_what_was_asked():
    assert envelope.narrow(cc.NotFoundError, {"run_slug": "R"}) is cc.RunNotFoundError
    assert envelope.narrow(cc.NotFoundError, {"task_slug": "T"}) is cc.TaskNotFoundError
    assert envelope.narrow(cc.NotFoundError, {"scraper_slug": "W"}) is cc.WorkerNotFoundError
    assert envelope.narrow(cc.NotFoundError, {}) is cc.NotFoundError
    assert envelope.narrow(cc.ServerError, {"run_slug": "R"}) is cc.ServerError


def test_api_error_message_names_code_endpoint_ids_and_what_to_do():
    err = cc.RunNotFoundError(
        "Run record does not exist",
        code=70001,
        endpoint="POST /api/v1/run/detail",
        run_slug="01ABC",
        request_id="req-1",
    )
    text = str(err)
    assert "70001" in text and "POST /api/v1/run/detail" in text
    assert "run_slug=01ABC" in text and "request_id=req-1" in text and "cc.runs_df()" in text


def test_run_summaries_tolerate_drift():
    run = _parse.run(
        {
            "slug": "R",
            "status": "3",
            "usage": "0.0542",
            "traffic": "1000",
            "started_at": 1773383784,
            "finished_at": 0,
            "surprise": [1],
        }
    )
    assert run.status is RunStatus.SUCCEEDED and run.usage == pytest.approx(0.0542)
    assert run.traffic == 1000 and run.finished_at is None and run.extra == {"surprise": [1]}
    assert _parse.run({"slug": "R", "status": "aborting"}).status is RunStatus.ABORTING
    assert _parse.run({"slug": "R", "status": 42}).status is RunStatus.RUNNING  # keep waiting
    assert _parse.run({}).results == 0


def test_transport_repr_hides_the_key():
    transport = _http.Transport("http://127.0.0.1:9", "sk-hidden", auth_header=lambda k: {})
    assert "sk-hidden" not in repr(transport)


def test_with_hint_replaces_the_advice_and_returns_the_error():
    err = cc.InvalidRequestError("bad field", code=4000, endpoint="POST /api/v1/scraper/run")
    assert err.with_hint("Send `url` as a list.") is err
    assert "Send `url` as a list." in str(err) and err.hint == "Send `url` as a list."
    assert "4000" in str(err) and "POST /api/v1/scraper/run" in str(err)


def test_a_reply_is_read_into_data_or_the_right_error():
    ok = envelope.read(200, b'{"code": 0, "data": {"a": 1}}', endpoint="GET /x", context={})
    assert ok == envelope.Reply({"a": 1})
    missing = envelope.read(
        404, b'{"code": 4040, "message": "no"}', endpoint="GET /x", context={"run_slug": "R"}
    )
    assert isinstance(missing.error, cc.RunNotFoundError) and missing.code == 4040
    assert missing.error.run_slug == "R"
    cut = envelope.read(200, b'{"code": 0, "da', endpoint="GET /x", context={})
    assert isinstance(cut.error, cc.TransportError) and cut.code is None
