"""Collection: new keys, latest values, history, idempotent updates, keys and sources."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.tracking import TrackingError

from .helpers import CAPTCHA, edition, expected


def test_editions_update_a_collection_and_the_same_run_twice_is_a_no_op(configured, tmp_path):
    store = cc.Collection("shop")  # the Worker's declared key: product_id
    first, second = edition(1), edition(2)
    new = store.update(first)
    assert len(new) == 1000 and store.key == ["product_id"]
    assert store.path == tmp_path / "data" / "collections" / "shop"
    again = store.update(first)
    assert len(again) == 0 and store.last_update.skipped_runs == [first.slug]
    assert len(store.df) == 1000
    new = store.update(second.slug)
    want = expected(1)
    report = store.last_update
    assert (report.added, report.changed, report.unchanged) == (
        want["added"], want["changed"], want["unchanged"])
    assert len(new) == 10 and set(new["index"]) == set(range(1000, 1010))
    df = store.df
    assert len(df) == report.total == 1010 and df["product_id"].is_unique
    assert {"first_seen", "last_seen", "run_slug"} <= set(df.columns)
    assert "__coreclaw_data_id__" not in df.columns
    assert store.update(second).empty and len(store.df) == 1010  # still a no-op


def test_latest_values_first_seen_and_history(configured):
    store = cc.Collection("shop", key="product_id")
    one, two = edition(1, rows=100), edition(2, rows=100)
    store.update(one)
    store.update(two)
    df = store.df.set_index("product_id")
    changed = df[df["index"] % 10 == 2].index[0]
    versions = store.history(changed)
    assert len(versions) == 2
    assert versions["price"].iloc[1] > versions["price"].iloc[0]
    assert versions["run_slug"].tolist() == [one.slug, two.slug]
    assert df.loc[changed, "price"] == versions["price"].iloc[1]
    assert df.loc[changed, "run_slug"] == two.slug
    assert df.loc[changed, "first_seen"] < df.loc[changed, "last_seen"] or (
        one.finished_at == two.finished_at)
    unchanged = df[df["index"] % 10 == 5].index[0]
    assert len(store.history(unchanged)) == 1
    assert len(store.since(df["first_seen"].max())) >= 1
    assert len(store.since("2000-01-01")) == len(df)


def test_a_key_of_several_columns_and_rows_without_a_key():
    frame = pd.DataFrame({"shop": ["a", "a", "b", None], "sku": [1, 2, 1, 3],
                          "price": [1.0, 2.0, 3.0, 4.0]})
    store = cc.Collection("multi", key=["shop", "sku"])
    with pytest.warns(UserWarning, match="1 row"):
        new = store.update(frame)
    assert len(new) == 3 and store.last_update.no_key == 1
    later = frame.assign(price=[1.0, 2.5, 3.0, 4.0])
    with pytest.warns(UserWarning):
        store.update(later)
    assert store.last_update.changed == 1 and store.last_update.unchanged == 2
    assert store.history(("a", 2))["price"].tolist() == [2.0, 2.5]
    with pytest.raises(TrackingError, match="2 value"):
        store.history("a")


def test_repeated_keys_in_one_scrape_keep_the_last_row():
    store = cc.Collection("dups", key="id")
    store.update(pd.DataFrame({"id": [1, 1, 2], "v": ["old", "new", "x"]}))
    assert store.last_update.duplicate_keys == 1
    assert store.df.set_index("id").loc[1, "v"] == "new"


def test_a_batch_is_any_object_with_a_df_holding_run_slugs(configured):
    one, two = edition(1, rows=100), edition(2, rows=100)
    frames = [cc.results_df(r).assign(run_slug=r.slug) for r in (one, two)]
    batch = SimpleNamespace(df=pd.concat(frames, ignore_index=True))
    store = cc.Collection("batch", key="product_id")
    new = store.update(batch)
    assert len(new) == 101 and store.last_update.duplicate_keys == 99
    assert store.update(batch).empty  # both runs applied: a no-op
    solo = cc.Collection("solo", key="product_id")
    solo.update(one)
    solo.update(batch)  # only the second run's rows are new to it
    assert solo.last_update.skipped_runs == [one.slug] and solo.last_update.added == 1


def test_without_a_key_it_refuses_with_a_clear_message(configured):
    with pytest.raises(TrackingError, match="key="):
        cc.Collection("nokey").update(pd.DataFrame({"a": [1]}))
    store = cc.Collection("captcha")  # the CAPTCHA Worker declares `url`
    store.update(cc.run_worker(CAPTCHA, {"pages": 3}, progress=False))
    assert store.key == ["url"] and len(store.df) == 3
    with pytest.raises(TrackingError, match="keyed by"):
        cc.Collection("captcha", key="title")
    with pytest.raises(TrackingError, match="not in"):
        cc.Collection("other", key="nope").update(pd.DataFrame({"a": [1]}))


def test_a_collection_at_a_path_and_an_unfinished_run(configured, tmp_path):
    store = cc.Collection(tmp_path / "elsewhere", key="id")
    store.update(pd.DataFrame({"id": [1], "tags": [["a", "b"]], "seller": [{"n": 1}]}))
    back = store.df
    assert back["tags"].iloc[0] == ["a", "b"] and back["seller"].iloc[0] == {"n": 1}
    assert (tmp_path / "elsewhere" / "manifest.json").is_file()
    running = cc.run_worker("coreclaw/slow-worker", {"duration_seconds": 30}, wait=False)
    try:
        with pytest.raises(TrackingError, match="still"):
            store.update(running)
    finally:
        cc.abort(running)
