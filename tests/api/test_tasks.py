"""cc.* saved tasks, schedules, the run queue and your Workers, against the emulator (v2)."""

from __future__ import annotations

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.tasks import PLATFORM_ZONE

WORKER = "coreclaw/catalogue-generator"
HOOK = "http://127.0.0.1:9/hook"
SCHEDULES = [
    cc.Schedule.daily("07:05"),
    cc.Schedule.weekly("mon", "08:30"),
    cc.Schedule.monthly(31, "23:59"),
    cc.Schedule.once("2031-08-01", "09:00"),
]


@pytest.fixture
def v2(emu):
    return cc.configure(
        api_key=emu.api_key,
        base_url=emu.url,
        api_version="v2",
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
        backoff_factor=0.01,
    )


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.kind)
def test_schedules_round_trip_create_list_update_delete(v2, schedule):
    t = cc.create_task(WORKER, {"rows": 4}, title="round trip", schedule=schedule)
    assert t.schedule == schedule  # the detail gives back every field sent
    assert cc.task(t).schedule == schedule
    listed = cc.tasks_df(WORKER).set_index("slug").loc[t.slug]
    assert listed["schedule"] == schedule.describe()
    assert "Beijing time (UTC+8)" in listed["schedule"]
    other = cc.Schedule.weekly("sun", "00:00")
    assert cc.update_task(t, schedule=other).schedule == other
    assert cc.update_task(t, title="kept").schedule == other  # not given: unchanged
    off = cc.update_task(t, schedule=None)
    assert off.schedule is None and off.title == "kept"
    assert cc.tasks_df(WORKER).set_index("slug").loc[t.slug, "schedule"] == ""
    cc.delete_task(t)
    with pytest.raises(cc.TaskNotFoundError):
        cc.task(t)
    assert t.slug not in set(cc.tasks_df()["slug"])


def test_task_input_is_the_workers_custom_wrapped_on_the_wire(v2, emu):
    emu.clear_requests()
    t = cc.create_task(WORKER, {"rows": 4}, title="input")
    sent = emu.calls("/api/v2/worker-tasks", "POST")[0].json
    assert sent["input"]["parameters"]["custom"]["rows"] == 4
    assert set(sent["input"]) == {"parameters"} and set(sent["input"]["parameters"]) == {"custom"}
    assert t.custom["rows"] == 4 and t.worker_path == WORKER
    changed = cc.update_task(t, custom={"rows": 7})
    assert changed.custom["rows"] == 7
    put = emu.calls(f"/api/v2/worker-tasks/{t.slug}/input", "PUT")[0].json
    assert put["input"]["parameters"]["custom"]["rows"] == 7


def test_task_input_is_checked_like_run_worker_before_sending(v2, emu):
    emu.clear_requests()
    with pytest.raises(cc.InputError, match="rows"):
        cc.create_task(WORKER, {"rows": "many"}, title="bad")
    assert not emu.calls("/api/v2/worker-tasks", "POST")


def test_tasks_df_columns_next_run_and_last_run(v2, emu):
    t = cc.create_task(WORKER, {"rows": 2}, title="df", schedule=cc.Schedule.daily("08:30"))
    run = cc.run_task(t.slug, callback_url=HOOK)
    df = cc.tasks_df(WORKER)
    assert list(df.columns) == [
        "title",
        "slug",
        "worker",
        "schedule",
        "next_run",
        "last_run_status",
        "run_count",
    ]
    row = df.set_index("slug").loc[t.slug]
    assert (row["title"], row["worker"], row["run_count"]) == ("df", WORKER, 1)
    assert row["last_run_status"] == "succeeded"
    assert str(df["next_run"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(df["next_run"].dtype)
    assert row["next_run"].tz_convert("Asia/Shanghai").strftime("%H:%M") == "08:30"
    assert cc.last_run(task=t).slug == run.slug
    runs = cc.task_runs_df(t)
    assert run.slug in set(runs["run_slug"]) and "does not record" in runs.attrs["coreclaw"]["note"]


def test_last_run_of_a_task_that_never_ran_is_none(v2):
    t = cc.create_task(WORKER, {"rows": 2}, title="idle")
    cc.run_worker(WORKER, {"rows": 1}, progress=False)  # same Worker, not the task
    assert cc.last_run(task=t) is None


def test_the_queue_holds_then_activates_or_releases(v2, emu):
    first = cc.queue_run(WORKER, {"rows": 2})
    second = cc.queue_run(WORKER, {"rows": 3})
    assert first.status == second.status == "waiting"
    waiting = cc.queue_df()
    assert list(waiting["queue_ref"]) == [first.ref, second.ref]
    assert cc.release(second, reason="not today") == {second.ref: True}
    assert cc.activate("all") == {first.ref: True}
    assert cc.activate(first) == {first.ref: False}  # no longer waiting: nothing starts
    assert cc.queue_df().empty
    inactive = cc.queue_df(status="inactive").set_index("queue_ref")
    started = inactive.loc[first.ref, "run_slug"]
    assert cc.wait(started, progress=False).results == 2
    assert inactive.loc[second.ref, "run_slug"] == ""  # released: it never became a run


def test_activation_refused_for_balance_keeps_the_item_waiting(v2, emu):
    item = cc.queue_run(WORKER, {"rows": 2})
    emu.set_balance(0)
    assert cc.activate([item]) == {item.ref: False}
    assert list(cc.queue_df()["queue_ref"]) == [item.ref]


def test_my_workers_df(v2):
    df = cc.my_workers_df("catalogue")
    assert list(df.columns) == ["slug", "title", "path", "description"]
    assert WORKER in set(df["path"])


def test_every_helper_on_v1_says_how_to_switch(emu):
    cc.configure(api_key=emu.api_key, base_url=emu.url, api_version="v1")
    for call in (
        lambda: cc.tasks_df(),
        lambda: cc.create_task(WORKER, {}, title="t"),
        lambda: cc.queue_df(),
        lambda: cc.my_workers_df(),
    ):
        with pytest.raises(cc.ConfigurationError, match="CORECLAW_API_VERSION=v2"):
            call()


def test_next_run_comes_from_the_injected_clock(v2, at_instant):
    t = cc.create_task(WORKER, {"rows": 1}, title="clock", schedule=cc.Schedule.daily("00:00"))
    row = cc.tasks_df(WORKER).set_index("slug").loc[t.slug]
    due = row["next_run"].to_pydatetime()
    assert at_instant < due and (due - at_instant).total_seconds() <= 24 * 3600
    assert due.astimezone(PLATFORM_ZONE).strftime("%H:%M") == "00:00"
