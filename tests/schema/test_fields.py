"""InputSchema and Field: building and checking `custom`, defaults, required, accessors."""

import copy

import pytest

from coreclaw_pandas.exceptions import InputError
from coreclaw_pandas.schema import (
    MISSING,
    Field,
    Option,
    ParamColumn,
    parse_input_schema,
)

from .helpers import DEMO, problems_of

# --- building: defaults, required, unknown keys ----------------------------------------------


def test_build_uses_defaults_and_leaves_optional_fields_out(demo):
    built = demo.build({"urls": ["https://a.example"]})
    assert built == {
        "urls": [{"url": "https://a.example"}], "tags": ["a"], "location": "NY", "max_results": 10,
        "ratio": 0.5, "language": "en", "category": 1, "sections": ["reviews"],
        "skip_closed": False, "area": {},
    }  # fmt: skip
    assert list(built) == [n for n in demo.names if n in built]  # schema order
    built["sections"].append("phone")
    assert demo.field("sections").default == ["reviews"]  # defaults are copied
    assert demo.defaults()["sections"] == ["reviews"]


def test_none_means_no_value(demo):
    assert demo.build({"urls": ["u"], "location": None})["location"] == "NY"
    assert problems_of(demo, {"urls": None}) == ["missing required field `urls` (URLs)"]


def test_unknown_keys_suggest_a_name_or_pass_through(demo):
    problems = problems_of(demo, {"urls": ["u"], "max_result": 5, "zzz": 1})
    assert problems[0].startswith("unknown field `max_result`; did you mean `max_results`?")
    assert "valid fields: urls, sources, terms" in problems[0]
    assert problems[1].startswith("unknown field `zzz`; valid fields: urls")
    built = demo.build({"urls": ["u"], "extra": {"k": 1}}, allow_unknown=True)
    assert built["extra"] == {"k": 1} and list(built)[-1] == "extra"


def test_every_problem_is_reported_at_once_with_the_worker(demo):
    values = {
        "max_results": "10",
        "ratio": 1.5,
        "category": True,
        "language": "fr",
        "sections": ["reviews", "fax"],
        "since": "2026-01-05",
        "terms": [{"string": "a"}, "b", 3],
        "sources": [
            {"url": "https://s.example"},
            {"depth": 2},
            {"url": "u", "depth": 1, "mode": "slow"},
        ],
        "skip_closed": "false",
        "area": "[1, 2]",
        "bogus": 1,
    }
    with pytest.raises(InputError) as info:
        demo.build(values, scraper_slug="me/demo")
    err = info.value
    assert err.scraper_slug == "me/demo" and "me/demo" in str(err)
    assert err.problems[:-1] == [  # schema order, unknown keys last
        "missing required field `urls` (URLs)",
        "row 1 of `sources` has no `depth` (Depth), which is required",
        "row 2 of `sources` has no `url`",
        "row 3 of `sources`: `mode` is 'slow'; allowed: 'fast'",
        "`terms` mixes objects and plain values; every item must be the same kind",
        "`max_results` must be an integer, got str '10'",
        "`ratio` must be at most 1, got 1.5",
        "`language` has 'fr', not among its options; allowed: 'en', 'zh'",
        "`category` must be an integer, got bool True; allowed: 1, 2",
        "`sections` has 'fax', not among its options; allowed: 'reviews', 'phone'",
        "`skip_closed` must be a boolean (True or False), got str 'false'",
        "`since` must be a date like DD/MM/YYYY, got '2026-01-05'",
        "`area` must be an object (a dict), got str '[1, 2]'; "
        "a JSON string must parse to an object",
    ]
    assert err.problems[-1].startswith("unknown field `bogus`; valid fields: urls, sources")
    assert f"has {len(err.problems)} problem(s)" in str(err)


def test_validate_reports_without_normalising(demo):
    built = demo.build({"urls": "https://a.example"})
    assert demo.validate(built) == []
    assert demo.validate({**built, "urls": "https://a.example"}) == [
        "`urls` is the field the platform splits runs by, so it must be a list, got str"
    ]
    assert demo.validate({"x": 1}, allow_unknown=True) == ["missing required field `urls` (URLs)"]
    assert demo.validate([]) == ["`custom` must be a dict of field name to value, got list"]
    assert problems_of(demo, ["urls"]) == [
        "the input must be a dict of field name to value, got list"
    ]


def test_required_list_left_empty(demo):
    assert problems_of(demo, {"urls": []}) == [
        "`urls` is required but empty; give at least one item"
    ]
    assert problems_of(demo, {"urls": [None, "  ", {}]}) == [
        "`urls` is required but empty; give at least one item"
    ]


def test_a_bad_default_is_blamed_on_the_worker():
    schema = parse_input_schema({"properties": [
        {"name": "n", "type": "integer", "default": "5"}]})  # fmt: skip
    assert (
        "the default does not fit: `n` must be an integer, got str '5'" in schema.field("n").notes
    )
    assert problems_of(schema, {}) == [
        "`n` must be an integer, got str '5' (this is the Worker's default; pass your own value)"
    ]
    assert schema.build({"n": 5}) == {"n": 5}


# --- the objects themselves ------------------------------------------------------------------


def test_schema_accessors(demo):
    assert len(demo) == len(DEMO["properties"]) and [f.name for f in demo] == demo.names
    assert "urls" in demo and "nope" not in demo
    assert demo.required_names == ["urls"] and demo.split_fields == ("urls",)
    assert demo.description == "Demo <b>schema</b>" and demo.notes == ()
    with pytest.raises(KeyError, match="did you mean `location`"):
        demo.field("locaton")
    assert repr(demo).startswith("InputSchema([urls*, sources, terms,")
    area = demo.field("area")
    assert (area.section_caption, area.section_description) == ("Advanced", "Rarely needed")
    assert demo.field("sources").param_list[2] == ParamColumn(
        "mode", "Mode", options=(Option("Fast", "fast"),)
    )
    assert demo.field("location").raw == DEMO["properties"][4]


def test_field_defaults_and_kind():
    plain = Field(name="x", title="X")
    assert plain.default is MISSING and not plain.has_default and plain.kind == "any"
    assert not MISSING and repr(MISSING) == "MISSING"
    assert copy.deepcopy(plain).default is MISSING
    assert Field(name="x", title="X", editor="switch").kind == "boolean"
    assert Field(name="x", title="X", default=[1]).kind == "array"
    assert Field(name="x", title="X", editor="radio", options=(Option("a", 1),)).kind == "integer"
    assert Field(name="x", title="X", type="integer", default="no").kind == "integer"
    schema = parse_input_schema({"properties": [{"name": "e", "default": 0}]})
    assert schema.field("e").has_default and schema.defaults() == {"e": 0}


@pytest.mark.slow
def test_a_hundred_thousand_urls_build_in_one_go(demo):
    urls = [f"https://a.example/{i}" for i in range(100_000)]
    built = demo.build({"urls": urls + [None, ""]})
    assert len(built["urls"]) == 100_000 and built["urls"][-1] == {"url": urls[-1]}
    bad = urls[:]
    bad[70_000] = 5
    assert problems_of(demo, {"urls": bad}) == [
        "`urls` mixes objects and plain values; every item must be the same kind"
    ]


def test_a_multi_select_of_array_type_is_not_flagged():
    from coreclaw_pandas.schema import parse_input_schema

    schema = parse_input_schema(
        {
            "properties": [
                {
                    "name": "tags",
                    "type": "array",
                    "editor": "select",
                    "multiple": True,
                    "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
                }
            ]
        }
    )
    assert schema.field("tags").notes == ()
    assert schema.build({"tags": ["a", "b"]}) == {"tags": ["a", "b"]}
