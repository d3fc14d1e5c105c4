"""Every API v2 operation's replies checked against openapi-v2-reference.json.

The spec types every reply as ``Envelope`` or ``ErrorEnvelope`` and shows the
shape of each ``data`` only in its examples. So each reply is validated with
``jsonschema`` against the schema of its (path, method, status), and each success's
``data`` must have every key of the spec's example with a value of the same JSON
type (extra keys are allowed; rows, input schemas and task input are free-form).
Error codes must match the example the spec gives for the status. Statuses the
spec does not list (402, 409, 501) are documented emulator choices and must still
be ErrorEnvelopes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from coreclaw_pandas.emulator import Emulator
from coreclaw_pandas.emulator.workers.base import WorkerSpec

from ..helpers import COUNTER
from ..v2_helpers import COUNTER_ID, GHOST, V2, Receiver, check_envelope

SLOW = "coreclaw~slow-worker"
FOREVER = {"input": {"parameters": {"custom": {"interval_seconds": 1, "duration_seconds": 600}}}}
#: Statuses the emulator answers that the spec does not list, by operation kind.
UNLISTED = {402: 30001}
#: Codes the vendor's probes found under a status whose spec example has another code.
PROBED = {(400, 70002)}
#: Keys whose content is free-form (rows, schemas, task input) per operation. Log entries
#: are objects by default (the Aug 2026 docs) where the spec's example shows strings; the
#: strings format is checked against the example on its own below.
FREE = {
    "getWorkerRunLog": {"list[]"},
    "getLastWorkerRunLog": {"list[]"},
    "getWorkerLastRunLog": {"list[]"},
    "listWorkerRunResults": {"list[]"},
    "listLastWorkerRunResults": {"list[]"},
    "listWorkerLastRunResults": {"list[]"},
    "getWorker": {"parameters.custom"},
    "getWorkerInputSchema": {"input_schema"},
    "getWorkerTaskInput": {"input"},
    # Task objects follow the production audit where the spec's examples differ (issue 13):
    # list items have no id, a detail has no description; test_tasks.py checks both sets.
    "listWorkerTasks": {"list[]"},
    "getWorkerTask": {""},
}
#: Operations whose production reply carries ``data: {}`` where the spec's example has none.
DATA_EMPTY = {"updateWorkerTask", "updateWorkerTaskInput"}


@pytest.fixture
def spec(shared_reference: Path) -> dict:
    return _load(shared_reference / "openapi-v2-reference.json")


@functools.cache
def _load(path: Path) -> dict:
    # Parsed once per session: every test reads the same spec.
    return json.loads(path.read_text())


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


def _operation(spec: dict, path: str, method: str) -> dict:
    return spec["paths"][path][method]


def _validator(spec: dict, schema: dict) -> jsonschema.Draft202012Validator:
    # Embedding the components lets "#/components/..." refs resolve against this root.
    return jsonschema.Draft202012Validator({**schema, "components": spec["components"]})


def _like(example: Any, actual: Any, free: set[str], where: str = "") -> None:
    """Assert ``actual`` has the example's keys with values of the same JSON types."""
    if where in free:
        return
    if isinstance(example, dict):
        assert isinstance(actual, dict), (where, actual)
        for key, value in example.items():
            assert key in actual, f"{where or 'data'} lacks {key!r}: {actual}"
            _like(value, actual[key], free, f"{where}.{key}" if where else key)
    elif isinstance(example, list):
        assert isinstance(actual, list), (where, actual)
        for item in actual[:5] if example else []:
            _like(example[0], item, free, f"{where}[]")
    elif isinstance(example, bool):
        assert isinstance(actual, bool), (where, actual)
    elif isinstance(example, int):
        assert isinstance(actual, int) and not isinstance(actual, bool), (where, actual)
    elif isinstance(example, str):
        assert isinstance(actual, str), (where, actual)
    elif example is None:
        assert actual is None, (where, actual)


def check(spec: dict, path: str, method: str, reply: requests.Response, status: int) -> dict:
    """Check one reply against the spec and return its decoded body."""
    assert reply.status_code == status, (method, path, reply.status_code, reply.text[:300])
    body = check_envelope(reply)
    operation = _operation(spec, path, method)
    response = operation["responses"].get(str(status))
    if response is None:
        assert body["code"] == UNLISTED[status], (path, body)
        schema = {"$ref": "#/components/schemas/ErrorEnvelope"}
        _validator(spec, schema).validate(body)
        return body
    content = response["content"]["application/json"]
    _validator(spec, content["schema"]).validate(body)
    example = next(iter(content["examples"].values()))["value"]
    if status == 200 and operation["operationId"] in DATA_EMPTY:
        assert body["data"] == {}, (path, body)
    elif status == 200:
        assert ("data" in body) == ("data" in example), (path, body)
        free = FREE.get(operation["operationId"], set())
        _like(example.get("data"), body.get("data"), free)
    elif status == 401:
        assert body["code"] in (12001, 12002)
    else:
        codes = {example["code"]} | {code for probed, code in PROBED if probed == status}
        assert body["code"] in codes, (path, status, body)
    return body


class World:
    """Ids to fill the spec's path templates with, and a caller."""

    def __init__(self, v2: V2) -> None:
        self.v2 = v2
        self.done = v2.start({"rows": 12})
        v2.wait(self.done)
        task = {"worker_id": COUNTER_ID, "title": "t", "input": {"rows": 2}}
        self.task = v2.ok("POST", "/worker-tasks", json=task)["slug"]

    def url(self, path: str, **ids: str) -> str:
        values = {"runId": self.done, "workerId": COUNTER_ID, "workerTaskId": self.task}
        values.update({"queueId": "q-1", **ids})
        return path.removeprefix("/api/v2").format(**values)

    def slow_run(self) -> str:
        return self.v2.ok("POST", f"/workers/{SLOW}/runs", json=FOREVER)["run_slug"]


def _happy(world: World) -> dict[tuple[str, str], Callable[[], tuple[requests.Response, int]]]:
    """One well-formed request per operation, and the status it must get."""
    v2 = world.v2

    def call(method: str, path: str, status: int = 200, **kw: Any):
        return lambda: (v2.call(method.upper(), world.url(path), **kw), status)

    def release_one():
        queued = v2.ok("POST", f"/workers/{COUNTER_ID}/queued-runs", json=run_body)
        path = "/api/v2/run-queue/items/{queueId}/release"
        return v2.call("POST", world.url(path, queueId=queued["queue_ref"]), json={}), 200

    def abort(path: str, worker: str = SLOW):
        def go():
            run = world.slow_run()
            return v2.call("POST", world.url(path, runId=run, workerId=worker)), 200

        return go

    run_body = v2.run_body({"rows": 2})
    return {
        ("/api/v2/proxy/region", "get"): call("get", "/api/v2/proxy/region", auth=None),
        ("/api/v2/store", "get"): call("get", "/api/v2/store", auth=None),
        ("/api/v2/users/account", "get"): call("get", "/api/v2/users/account"),
        ("/api/v2/worker-runs", "get"): call("get", "/api/v2/worker-runs"),
        ("/api/v2/worker-runs/last", "get"): call("get", "/api/v2/worker-runs/last"),
        ("/api/v2/worker-runs/last/abort", "post"): abort("/api/v2/worker-runs/last/abort"),
        ("/api/v2/worker-runs/last/export", "get"): call("get", "/api/v2/worker-runs/last/export"),
        ("/api/v2/worker-runs/last/log", "get"): call("get", "/api/v2/worker-runs/last/log"),
        ("/api/v2/worker-runs/last/rerun", "post"): call(
            "post", "/api/v2/worker-runs/last/rerun", json={"is_async": True}
        ),
        ("/api/v2/worker-runs/last/result", "get"): call("get", "/api/v2/worker-runs/last/result"),
        ("/api/v2/worker-runs/{runId}", "get"): call("get", "/api/v2/worker-runs/{runId}"),
        ("/api/v2/worker-runs/{runId}/abort", "post"): abort("/api/v2/worker-runs/{runId}/abort"),
        ("/api/v2/worker-runs/{runId}/log", "get"): call("get", "/api/v2/worker-runs/{runId}/log"),
        ("/api/v2/worker-runs/{runId}/rerun", "post"): call(
            "post", "/api/v2/worker-runs/{runId}/rerun", json={"limit": 20, "offset": 0}
        ),
        ("/api/v2/worker-runs/{runId}/result", "get"): call(
            "get", "/api/v2/worker-runs/{runId}/result", params={"offset": 1, "limit": 5}
        ),
        ("/api/v2/worker-runs/{runId}/result/export", "get"): call(
            "get",
            "/api/v2/worker-runs/{runId}/result/export",
            params={"format": "json", "filter_keys": "n,label"},
        ),
        ("/api/v2/worker-tasks", "get"): call("get", "/api/v2/worker-tasks"),
        ("/api/v2/worker-tasks", "post"): call(
            "post",
            "/api/v2/worker-tasks",
            json={"worker_id": COUNTER_ID, "title": "x", "input": {"rows": 1}},
        ),
        ("/api/v2/worker-tasks/{workerTaskId}", "get"): call(
            "get", "/api/v2/worker-tasks/{workerTaskId}"
        ),
        ("/api/v2/worker-tasks/{workerTaskId}", "put"): call(
            "put", "/api/v2/worker-tasks/{workerTaskId}", json={"title": "renamed"}
        ),
        ("/api/v2/worker-tasks/{workerTaskId}/input", "get"): call(
            "get", "/api/v2/worker-tasks/{workerTaskId}/input"
        ),
        ("/api/v2/worker-tasks/{workerTaskId}/input", "put"): call(
            "put", "/api/v2/worker-tasks/{workerTaskId}/input", json={"input": {"rows": 3}}
        ),
        ("/api/v2/worker-tasks/{workerTaskId}/runs", "post"): call(
            "post",
            "/api/v2/worker-tasks/{workerTaskId}/runs",
            json={"is_async": False, "limit": 20, "offset": 0},
        ),
        # Deleting comes after every other use of the task (dicts keep insertion order).
        ("/api/v2/worker-tasks/{workerTaskId}", "delete"): call(
            "delete", "/api/v2/worker-tasks/{workerTaskId}"
        ),
        ("/api/v2/workers", "get"): call("get", "/api/v2/workers"),
        ("/api/v2/workers/{workerId}", "get"): call("get", "/api/v2/workers/{workerId}"),
        ("/api/v2/workers/{workerId}/input-schema", "get"): call(
            "get", "/api/v2/workers/{workerId}/input-schema", auth=None
        ),
        ("/api/v2/workers/{workerId}/runs", "post"): call(
            "post", "/api/v2/workers/{workerId}/runs", json=run_body
        ),
        ("/api/v2/workers/{workerId}/runs/last", "get"): call(
            "get", "/api/v2/workers/{workerId}/runs/last"
        ),
        ("/api/v2/workers/{workerId}/runs/last/abort", "post"): abort(
            "/api/v2/workers/{workerId}/runs/last/abort"
        ),
        ("/api/v2/workers/{workerId}/runs/last/export", "get"): call(
            "get", "/api/v2/workers/{workerId}/runs/last/export", params={"format": "csv"}
        ),
        ("/api/v2/workers/{workerId}/runs/last/log", "get"): call(
            "get", "/api/v2/workers/{workerId}/runs/last/log"
        ),
        ("/api/v2/workers/{workerId}/runs/last/rerun", "post"): call(
            "post", "/api/v2/workers/{workerId}/runs/last/rerun", json={}
        ),
        ("/api/v2/workers/{workerId}/runs/last/result", "get"): call(
            "get", "/api/v2/workers/{workerId}/runs/last/result"
        ),
        ("/api/v2/run-queue/items", "get"): call("get", "/api/v2/run-queue/items"),
        ("/api/v2/run-queue/items/activate", "post"): call(
            "post", "/api/v2/run-queue/items/activate", json={"queue_refs": ["q-1"]}
        ),
        ("/api/v2/run-queue/items/release", "post"): call(
            "post", "/api/v2/run-queue/items/release", json={"queue_refs": ["q-1"]}
        ),
        ("/api/v2/run-queue/items/{queueId}/release", "post"): release_one,
        ("/api/v2/workers/{workerId}/queued-runs", "post"): call(
            "post", "/api/v2/workers/{workerId}/queued-runs", json=run_body
        ),
    }


@pytest.fixture
def world(v2: V2) -> World:
    return World(v2)


def test_every_operation_of_the_spec_is_served(spec, world):
    served = set(_happy(world))
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert served == documented


def test_success_replies_match_the_spec(spec, world):
    # The spec's detail example has err_msg; production's detail leaves it out (knob off).
    world.v2.emu.configure(v2_detail_err_msg=True)
    for (path, method), send in _happy(world).items():
        reply, status = send()
        check(spec, path, method, reply, status)


def test_log_replies_in_the_strings_format_match_the_example_exactly(spec, world):
    world.v2.emu.configure(v2_log_format="strings")
    path = "/api/v2/worker-runs/{runId}/log"
    body = check(spec, path, "get", world.v2.call("GET", world.url(path)), 200)
    example = _operation(spec, path, "get")["responses"]["200"]["content"]["application/json"]
    _like(next(iter(example["examples"].values()))["value"]["data"], body["data"], set())


def test_request_bodies_sent_by_these_tests_match_the_spec(spec, world):
    for (path, method), _send in _happy(world).items():
        request_body = _operation(spec, path, method).get("requestBody")
        if request_body is None:
            continue
        schema = request_body["content"]["application/json"]["schema"]
        for example in request_body["content"]["application/json"].get("examples", {}).values():
            _validator(spec, schema).validate(example["value"])
    _validator(spec, {"$ref": "#/components/schemas/RunWorkerRequest"}).validate(
        world.v2.run_body({"rows": 2}, is_async=False, limit=5, offset=1, version="v1")
    )


def test_unauthorised_replies_match_the_spec(spec, world):
    for (path, method), _send in _happy(world).items():
        operation = _operation(spec, path, method)
        if not operation.get("security"):
            continue
        reply = world.v2.call(method.upper(), world.url(path), auth=None, json={})
        assert check(spec, path, method, reply, 401)["code"] == 12001


def test_not_found_replies_match_the_spec(spec, world):
    ids = {"runId": GHOST, "workerId": "nobody~nothing", "workerTaskId": GHOST}
    for (path, method), _send in _happy(world).items():
        if "{" not in path or "queue" in path:
            continue
        reply = world.v2.call(method.upper(), world.url(path, **ids), json={})
        assert check(spec, path, method, reply, 404)["code"] == 11004


def test_bad_argument_replies_match_the_spec(spec, world):
    for (path, method), _send in _happy(world).items():
        operation = _operation(spec, path, method)
        names = {p["name"] for p in operation.get("parameters", [])}
        if "queue" in path:
            continue
        if "limit" in names:
            reply = world.v2.call(method.upper(), world.url(path), params={"limit": 101})
            check(spec, path, method, reply, 400)
        if "format" in names:
            reply = world.v2.call(method.upper(), world.url(path), params={"format": "pdf"})
            check(spec, path, method, reply, 400)
        if "requestBody" in operation:
            reply = world.v2.call(method.upper(), world.url(path), json={"no_such_field": 1})
            check(spec, path, method, reply, 422)


def test_rate_limit_and_server_error_replies_match_the_spec(spec, world):
    emu = world.v2.emu
    for (path, method), _send in _happy(world).items():
        concrete = "/api/v2" + world.url(path)
        for status, kind in ((429, "rate_limit"), (500, "server_error")):
            emu.inject_fault(concrete, kind)
            reply = world.v2.call(method.upper(), world.url(path), json={})
            check(spec, path, method, reply, status)


def test_refusals_with_statuses_the_spec_does_not_list(spec, world):
    v2 = world.v2
    path = "/api/v2/worker-runs/{runId}/abort"
    check(spec, path, "post", v2.call("POST", world.url(path)), 400)
    v2.emu.set_balance(0)
    path = "/api/v2/workers/{workerId}/runs"
    check(spec, path, "post", v2.call("POST", world.url(path), json=v2.run_body()), 402)


def test_the_specs_own_run_examples_are_accepted(spec):
    """A Worker with the example's input fields takes the spec's request examples verbatim."""
    example_worker = WorkerSpec(
        slug="01TESTEXAMP1EW0RKER0000001",
        path="owner/demo-worker",
        title="Demo Worker",
        description="Takes the spec's example input.",
        version="v1.0.0",
        readme="",
        input_schema={
            "properties": [
                {"name": "keywords", "type": "array", "required": True},
                {"name": "base_location", "type": "string"},
                {"name": "max_results", "type": "integer"},
            ]
        },
        run=lambda ctx, custom: ctx.push([{"keyword": k} for k in custom["keywords"]]),
    )
    examples = spec["paths"]["/api/v2/workers/{workerId}/runs"]["post"]["requestBody"]
    sync = examples["content"]["application/json"]["examples"]["sync_run"]["value"]
    with Emulator(workers=[example_worker, COUNTER], builtin=False) as emu:
        reply = V2(emu).call("POST", "/workers/owner~demo-worker/runs", json=sync)
        data = check(spec, "/api/v2/workers/{workerId}/runs", "post", reply, 200)["data"]
        assert data["run_status"] == "succeeded" and data["results"]["list"][0]["keyword"]


def test_callback_bodies_match_the_specs_callback_schema(spec, v2):
    callback = spec["paths"]["/api/v2/workers/{workerId}/runs"]["post"]["callbacks"]
    operation = callback["run_status_callback"]["{$request.body#/callback_url}"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    receiver = Receiver()
    try:
        v2.start({"rows": 1, "fail": "nope"}, callback_url=receiver.url)
        bodies = receiver.until(2)
    finally:
        receiver.close()
    for body in bodies:
        jsonschema.Draft202012Validator(schema).validate(body)
        assert set(body) == set(schema["required"])
    assert [body["run_status"] for body in bodies] == ["running", "failed"]
