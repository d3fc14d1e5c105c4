"""Every request body the client sends validates against the v1 spec's request schemas."""

from __future__ import annotations

import json

import pytest

import coreclaw_pandas as cc

CATALOGUE = "coreclaw/catalogue-generator"


@pytest.fixture
def spec(shared_reference):
    return json.loads((shared_reference / "openapi-v1.json").read_text())


def _validator(spec, schema):
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:spec", Resource(contents=spec, specification=DRAFT202012)
    )
    rooted = {"$ref": "urn:spec#" + schema["$ref"][1:]} if "$ref" in schema else schema
    return jsonschema.Draft202012Validator(
        rooted, registry=registry, format_checker=jsonschema.FormatChecker()
    )


def test_the_validator_catches_a_bad_body(spec):
    schema = spec["paths"]["/api/v1/scraper/run"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    errors = list(_validator(spec, schema).iter_errors({"scraper_slug": "x", "input": {}}))
    assert errors


def test_request_bodies_match_the_spec(client, emu, spec):
    hook = "http://127.0.0.1:9/hook"
    run = client.wait(client.start_run(CATALOGUE, {"rows": 120}, callback_url=hook).slug)
    client.start_run_sync(CATALOGUE, {"rows": 3})
    list(client.iter_results(run.slug))
    list(client.iter_runs(status=cc.RunStatus.SUCCEEDED, scraper_slug=run.scraper_slug))
    client.export_url(run.slug, format="csv", columns=["index"])
    client.log(run.slug)
    client.account()
    client.wait(client.rerun(run.slug, callback_url=hook).slug)
    client.run_task(emu.add_task(CATALOGUE, {"rows": 1}), callback_url=hook)
    slow = client.start_run("coreclaw/slow-worker", {"duration_seconds": 30})
    client.abort(slow.slug)

    checked = set()
    for request in emu.requests:
        operation = spec["paths"].get(request.path, {}).get(request.method.lower())
        if not operation or "requestBody" not in operation:
            continue
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        errors = list(_validator(spec, schema).iter_errors(request.json))
        assert not errors, f"{request.path}: {[e.message for e in errors]}"
        checked.add(request.path)
    assert checked >= {
        "/api/v1/scraper/run",
        "/api/v1/run/detail",
        "/api/v1/run/list",
        "/api/v1/run/result/list",
        "/api/v1/run/result/export",
        "/api/v1/run/last/log",
        "/api/v1/account/info",
        "/api/v1/rerun",
        "/api/v1/task/run",
        "/api/v1/scraper/abort",
    }
