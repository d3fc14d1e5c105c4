"""API v2 saved tasks over real HTTP: list, create, read, update, input, delete, run.

Field sets, the verbatim input and ``data: {}`` on updates follow the production
audit's task pages (issue 13)."""

from __future__ import annotations

import pytest

from coreclaw_pandas.emulator import Emulator

from ..helpers import COUNTER
from ..v2_helpers import CALLBACK, COUNTER_ID, V2


@pytest.fixture
def v2(emu: Emulator) -> V2:
    return V2(emu)


def wrapped(**custom) -> dict:
    return {"parameters": {"custom": custom}}


#: Fields of a task-list item in production (the audit): no ``id``.
LIST_FIELDS = {
    "slug", "worker_title", "worker_slug", "worker_path", "version", "platform_actors_id",
    "title", "description", "input", "run_times", "last_run_id", "last_modified_at",
    "schedule_enabled", "schedule_type", "created_at", "updated_at",
}  # fmt: skip
#: Fields of a task detail: ``id`` and ``worker_id``, no ``description``.
DETAIL_FIELDS = LIST_FIELDS - {"description"} | {"id", "worker_id"}


def _create(v2: V2, **fields) -> str:
    body = {"worker_id": COUNTER_ID, "title": "five rows", "input": wrapped(rows=5), **fields}
    return v2.ok("POST", "/worker-tasks", json=body)["slug"]


def test_seeded_tasks_are_listed_newest_first_with_production_fields(v2):
    data = v2.ok("GET", "/worker-tasks")
    assert data["count"] == len(v2.emu.workers) == len(v2.emu.tasks)
    assert (data["page_index"], data["page_size"]) == (1, 20)
    ids = [v2.ok("GET", f"/worker-tasks/{item['slug']}")["id"] for item in data["list"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    counter = next(item for item in data["list"] if item["worker_slug"] == COUNTER.slug)
    assert set(counter) == LIST_FIELDS
    assert counter["version"] == COUNTER.version
    assert counter["worker_path"] == COUNTER.path  # the slash form, as production lists it
    assert counter["input"] == wrapped(rows=10, interval=0, chunk=1)  # the schema defaults
    assert {t["task_slug"] for t in v2.emu.tasks} == {item["slug"] for item in data["list"]}


def test_task_list_filters_and_pages(v2):
    slug = _create(v2, title="Unusual title")
    assert [
        i["slug"] for i in v2.ok("GET", "/worker-tasks", params={"keyword": "unusual"})["list"]
    ] == [slug]
    mine = v2.ok("GET", "/worker-tasks", params={"worker_id": COUNTER_ID})
    assert mine["count"] == 2 and mine["list"][0]["slug"] == slug
    assert v2.ok("GET", "/worker-tasks", params={"worker_id": "nobody~x"})["count"] == 0
    first = v2.ok("GET", "/worker-tasks", params={"limit": 2})["list"]
    second = v2.ok("GET", "/worker-tasks", params={"limit": 2, "offset": 2})
    assert second["page_index"] == 2 and not {i["slug"] for i in first} & {
        i["slug"] for i in second["list"]
    }


def test_create_then_read_detail_and_input(v2):
    slug = _create(
        v2,
        description="every morning",
        schedule_enabled=1,
        schedule_type=1,
        schedule_time="09:30",
        version=COUNTER.version,
    )
    detail = v2.ok("GET", f"/worker-tasks/{slug}")
    # An enabled schedule shows its time, as the spec's example does.
    assert set(detail) == DETAIL_FIELDS | {"schedule_time"}
    assert isinstance(detail["id"], int) and detail["id"] > 2**53
    assert isinstance(detail["worker_id"], int) and detail["worker_id"] > 2**53
    assert {k: detail[k] for k in ("slug", "title", "version", "worker_path", "worker_slug")} == {
        "slug": slug,
        "title": "five rows",
        "version": COUNTER.version,
        "worker_path": COUNTER.path,
        "worker_slug": COUNTER.slug,
    }
    assert (detail["schedule_enabled"], detail["schedule_type"], detail["run_times"]) == (1, 1, 0)
    assert detail["input"] == wrapped(rows=5)
    assert v2.ok("GET", f"/worker-tasks/{slug}/input") == {
        "input": wrapped(rows=5),
        "version": COUNTER.version,
    }


def test_the_input_is_echoed_verbatim(v2):
    saved = {"parameters": {"custom": {"rows": 2}, "system": {"memory": 1024}}}
    body = {"worker_id": COUNTER.slug, "title": "wrapped", "input": saved}
    slug = v2.ok("POST", "/worker-tasks", json=body)["slug"]
    assert v2.ok("GET", f"/worker-tasks/{slug}/input")["input"] == saved
    assert v2.ok("GET", f"/worker-tasks/{slug}")["input"] == saved


def test_a_flat_input_is_saved_and_its_runs_fail_as_in_production(v2, api):
    slug = _create(v2, input={"rows": 3})
    assert v2.ok("GET", f"/worker-tasks/{slug}/input")["input"] == {"rows": 3}
    listed = v2.ok("GET", "/worker-tasks", params={"worker_id": COUNTER_ID})["list"]
    assert next(i for i in listed if i["slug"] == slug)["input"] == {"rows": 3}
    run = v2.ok("POST", f"/worker-tasks/{slug}/runs", json={})["run_slug"]
    failed = v2.wait(run)
    assert (failed["status"], failed["results"]) == ("failed", 0)
    assert api.detail(run)["err_msg"] == "Rows is required"  # the Worker's words
    via_v1 = api.ok("/api/v1/task/run", {"task_slug": slug, "callback_url": CALLBACK})["run_slug"]
    assert api.wait(via_v1)["status"] == 4
    assert v2.ok("PUT", f"/worker-tasks/{slug}/input", json={"input": wrapped(rows=2)}) == {}
    fixed = v2.ok("POST", f"/worker-tasks/{slug}/runs", json={})["run_slug"]
    assert v2.wait(fixed)["results"] == 2
    assert v2.ok("GET", f"/worker-tasks/{slug}")["run_times"] == 3


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda b: b.pop("title"), ["title"]),
        (lambda b: b.pop("input"), ["input"]),
        (lambda b: b.pop("worker_id"), ["worker_id"]),
        (lambda b: b.update(worker_id=COUNTER.path), ["owner~name"]),
        (lambda b: b.update(input=wrapped(rows="many")), ["rows", "integer"]),
        (lambda b: b.update(input={}), ["missing", "rows"]),
        (lambda b: b.update(schedule_type=9), ["schedule_type"]),
        (lambda b: b.update(schedule_time="25:00"), ["schedule_time"]),
        (lambda b: b.update(schedule_once_date="2026-02-30"), ["schedule_once_date"]),
        (lambda b: b.update(schedule_weekday=0), ["schedule_weekday"]),
        (lambda b: b.update(colour="red"), ["colour"]),
    ],
)
def test_create_validation_is_422_naming_the_field(v2, change, words):
    body = {"worker_id": COUNTER_ID, "title": "t", "input": wrapped(rows=1)}
    change(body)
    details = v2.fail("POST", "/worker-tasks", 11000, 422, json=body)
    for word in words:
        assert word in " ".join(details), details
    assert v2.ok("GET", "/worker-tasks")["count"] == len(v2.emu.workers)


def test_create_for_an_unknown_worker_or_version(v2):
    body = {"worker_id": "nobody~nothing", "title": "t", "input": {}}
    v2.fail("POST", "/worker-tasks", 11004, 404, json=body)
    body = {"worker_id": COUNTER_ID, "title": "t", "input": wrapped(rows=1), "version": "latest"}
    v2.fail("POST", "/worker-tasks", 50003, 400, json=body)


def test_update_changes_only_what_is_sent(v2):
    slug = _create(v2, schedule_type=2, schedule_weekday=3)
    assert v2.ok("PUT", f"/worker-tasks/{slug}", json={"title": "renamed"}) == {}
    assert v2.ok("PUT", f"/worker-tasks/{slug}", json={"schedule_type": 3}) == {}
    detail = v2.ok("GET", f"/worker-tasks/{slug}")
    assert (detail["title"], detail["schedule_type"]) == ("renamed", 3)
    assert detail["input"] == wrapped(rows=5)
    v2.fail("PUT", f"/worker-tasks/{slug}", 11000, 422, json={"input": {"rows": 1}})
    v2.fail("PUT", f"/worker-tasks/{slug}", 11000, 422, json={"schedule_enabled": 2})
    v2.fail("PUT", "/worker-tasks/NOPE", 11004, 404, json={"title": "x"})


def test_input_update_is_validated_and_used_by_the_next_run(v2):
    slug = _create(v2)
    v2.fail("PUT", f"/worker-tasks/{slug}/input", 11000, 422, json={"input": wrapped(rows=-2)})
    v2.fail("PUT", f"/worker-tasks/{slug}/input", 11000, 422, json={})
    v2.fail(
        "PUT",
        f"/worker-tasks/{slug}/input",
        50003,
        400,
        json={"input": wrapped(rows=1), "version": "v0.0.1"},
    )
    assert v2.ok("PUT", f"/worker-tasks/{slug}/input", json={"input": wrapped(rows=7)}) == {}
    run = v2.ok("POST", f"/worker-tasks/{slug}/runs", json={})["run_slug"]
    assert v2.wait(run)["results"] == 7


def test_task_runs_async_and_sync(v2):
    slug = _create(v2)
    run = v2.ok("POST", f"/worker-tasks/{slug}/runs", json={"callback_url": CALLBACK})
    assert v2.wait(run["run_slug"])["results"] == 5
    data = v2.ok(
        "POST", f"/worker-tasks/{slug}/runs", json={"is_async": False, "limit": 2, "offset": 2}
    )
    assert data["run_status"] == "succeeded" and data["results"]["count"] == 5
    assert [row["n"] for row in data["results"]["list"]] == [2, 3]
    v2.fail("POST", f"/worker-tasks/{slug}/runs", 11000, 422, json={"input": {}})


def test_a_v2_task_runs_through_v1_and_a_seeded_task_through_v2(v2, api):
    slug = _create(v2)
    run = api.ok("/api/v1/task/run", {"task_slug": slug, "callback_url": CALLBACK})["run_slug"]
    assert api.wait(run)["results"] == 5
    seeded = next(t["task_slug"] for t in v2.emu.tasks if t["scraper_slug"] == COUNTER.slug)
    run = v2.ok("POST", f"/worker-tasks/{seeded}/runs", json={})["run_slug"]
    assert v2.wait(run)["results"] == 10  # the schema default


def test_delete_forgets_the_task(v2):
    slug = _create(v2)
    assert v2.ok("DELETE", f"/worker-tasks/{slug}") is None
    for method, path in (
        ("GET", f"/worker-tasks/{slug}"),
        ("GET", f"/worker-tasks/{slug}/input"),
        ("DELETE", f"/worker-tasks/{slug}"),
    ):
        v2.fail(method, path, 11004, 404)
    v2.fail("POST", f"/worker-tasks/{slug}/runs", 11004, 404, json={})
    assert slug not in {t["task_slug"] for t in v2.emu.tasks}


def test_reset_renumbers_the_seeded_tasks(v2):
    before = v2.ok("GET", "/worker-tasks")["list"]
    _create(v2)
    v2.emu.reset()
    assert v2.ok("GET", "/worker-tasks")["list"] == before
