"""Worker input schemas: parsing odd descriptors, building and checking `custom` (no server)."""

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from coreclaw_pandas.exceptions import InputError
from coreclaw_pandas.schema import (
    MISSING,
    Field,
    InputSchema,
    Option,
    ParamColumn,
    parse_input_schema,
)

SCHEMAS = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "coreclaw-reference" / "worker-schemas"
)
NO_SHARED = (
    f"reference schemas not found at {SCHEMAS.resolve()} (the shared reference folder is absent)"
)


def reference_files():
    if not SCHEMAS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_SHARED), id="no-shared")]
    return [pytest.param(p, id=p.stem) for p in sorted(SCHEMAS.glob("*.json"))]


def load_reference(stem):
    path = SCHEMAS / f"{stem}.json"
    if not path.is_file():
        pytest.skip(NO_SHARED)
    return json.loads(path.read_text(encoding="utf-8"))


def problems_of(schema, values, **kwargs):
    with pytest.raises(InputError) as info:
        schema.build(values, **kwargs)
    return info.value.problems


# A self-contained schema with one field per documented editor, written for these tests.
DEMO = {
    "description": "Demo <b>schema</b>",
    "b": "urls",
    "properties": [
        {"name": "urls", "title": "URLs", "type": "array", "editor": "requestList",
         "required": True},
        {
            "name": "sources",
            "title": "Sources",
            "type": "array",
            "editor": "requestListSource",
            "param_list": [
                {"param": "url", "title": "URL", "required": True},
                {"param": "depth", "title": "Depth", "required": True},
                {"param": "mode", "title": "Mode", "options": [{"label": "Fast", "value": "fast"}]},
            ],
        },
        {"name": "terms", "title": "Terms", "type": "array", "editor": "stringList"},
        {"name": "tags", "title": "Tags", "type": "array", "editor": "stringList",
         "default": ["a"]},
        {"name": "location", "title": "Location", "type": "string", "editor": "input",
         "default": "NY"},
        {"name": "notes", "title": "Notes", "type": "string", "editor": "textarea"},
        {
            "name": "max_results",
            "title": "Max results",
            "type": "integer",
            "editor": "number",
            "default": 10,
            "minimum": 1,
            "maximum": 500,
        },
        {"name": "ratio", "title": "Ratio", "type": "number", "editor": "number", "default": 0.5,
         "minimum": 0, "maximum": 1},
        {
            "name": "language",
            "title": "Language",
            "type": "string",
            "editor": "select",
            "options": [{"label": "English", "value": "en"}, {"label": "Chinese", "value": "zh"}],
            "default": "en",
        },
        {
            "name": "category",
            "title": "Category",
            "type": "integer",
            "editor": "radio",
            "options": [{"label": "Hotel", "value": 1}, {"label": "Cafe", "value": 2}],
            "default": 1,
        },
        {
            "name": "sections",
            "title": "Sections",
            "type": "array",
            "editor": "checkbox",
            "options": [{"label": "Reviews", "value": "reviews"},
                        {"label": "Phone", "value": "phone"}],
            "default": ["reviews"],
        },
        {"name": "skip_closed", "title": "Skip closed", "type": "boolean", "editor": "switch",
         "default": False},
        {"name": "since", "title": "Since", "type": "string", "editor": "datepicker",
         "format": "DD/MM/YYYY", "valueFormat": "DD/MM/YYYY"},
        {"name": "area", "title": "Area", "type": "object", "editor": "json", "default": {},
         "sectionCaption": "Advanced", "sectionDescription": "Rarely needed"},
    ],
}  # fmt: skip


@pytest.fixture
def demo():
    return parse_input_schema(copy.deepcopy(DEMO))


# --- the reference schemas -------------------------------------------------------------------


@pytest.mark.parametrize("path", reference_files())
def test_reference_schema_parses_and_its_defaults_validate(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    schema = parse_input_schema(raw)
    assert isinstance(schema, InputSchema) and len(schema) > 0
    missing = [f for f in schema if f.required and not f.has_default]
    expected = [f"missing required field `{f.name}` ({f.title})" for f in missing]
    assert schema.validate(schema.defaults()) == expected
    if not missing:
        built = schema.build()
        assert schema.validate(built) == []
        assert schema.build(built) == built  # building is idempotent
        assert json.loads(json.dumps(built)) == built
        assert set(built) == {f.name for f in schema if f.has_default}


def test_reference_node_demo_reads_every_editor():
    schema = parse_input_schema(load_reference("node-worker-demo-all-editors"))
    assert schema.split_fields == ("urls",)
    assert [f.name for f in schema if f.notes] == []
    urls, sources, terms = (
        schema.field("urls"),
        schema.field("sources"),
        schema.field("searchTerms"),
    )
    assert (urls.item_shape, urls.item_key, urls.required) == ("objects", "url", True)
    assert [c.param for c in sources.param_list] == ["url", "num_of_posts"]
    assert sources.param_list[0].required and not sources.param_list[1].required
    assert (terms.item_shape, terms.item_key) == ("objects", "string")
    assert schema.field("category").options[1] == Option("Restaurant", 2)
    assert schema.field("since_date").value_format == "DD/MM/YYYY"
    built = schema.build({"since_date": dt.date(2026, 1, 5), "searchTerms": ["bar", "pub"]})
    assert built["since_date"] == "05/01/2026"
    assert built["searchTerms"] == [{"string": "bar"}, {"string": "pub"}]


def test_reference_reply_envelope_is_unwrapped_with_a_note():
    schema = parse_input_schema(load_reference("apifox-api-scraper-response-example"))
    assert schema.names == ["startURLs", "maximum", "download_images"]
    assert schema.split_fields == ("startURLs",)
    assert any("data.parameters.custom" in n for n in schema.notes)
    assert schema.description.startswith("Choose your starting point")


def test_reference_docs_composite_concurrency_sections_and_plain_string_list():
    schema = parse_input_schema(load_reference("docs-input-schema-editor-examples"))
    assert schema.split_fields == ("keywords", "google_maps_urls", "place_ids")
    assert schema.field("searchTerms").item_shape == "strings"
    assert schema.build({"searchTerms": [{"string": "x"}, "y"]})["searchTerms"] == ["x", "y"]
    assert schema.field("timeout").section_caption == "Request control and result settings"
    area = schema.build({"custom_geojson": '{"type": "Point", "coordinates": [1, 2]}'})
    assert area["custom_geojson"] == {"type": "Point", "coordinates": [1, 2]}


def test_reference_probe_with_missing_keys():
    schema = parse_input_schema(load_reference("cli-probe-missing-required-fields"))
    assert len(schema) == 7 and schema.required_names == []
    assert schema.field("p_missing_title").title == "p_missing_title"
    assert schema.field("p_missing_description").description == ""
    naked = schema.field("p_naked")
    assert (naked.type, naked.editor, naked.kind) == (None, None, "string")
    assert any("no `type`" in n for n in naked.notes) and any(
        "no `editor`" in n for n in naked.notes
    )
    assert schema.field("p_valid").notes == ()
    assert schema.build({"p_naked": "z"})["p_naked"] == "z"


# --- parsing odd descriptors -----------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, {}, {"properties": "oops"}, 42, "not json"])
def test_degenerate_schemas_give_no_fields_and_a_note(raw):
    schema = parse_input_schema(raw)
    assert len(schema) == 0 and schema.names == [] and schema.notes
    assert schema.build() == {}
    assert "`x`" in problems_of(schema, {"x": 1})[0]


def test_empty_property_list_is_clean():
    schema = parse_input_schema({"properties": []})
    assert (schema.fields, schema.notes, schema.split_fields) == ((), (), ())


def test_properties_as_dict_and_json_schema_required_list():
    schema = parse_input_schema({
        "required": ["query"],
        "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 5}},
    })  # fmt: skip
    assert schema.names == ["query", "limit"] and schema.required_names == ["query"]
    assert any("is a dict" in n for n in schema.notes)
    assert schema.build({"query": "q"}) == {"query": "q", "limit": 5}


def test_bad_items_nameless_and_duplicate_properties_become_notes():
    schema = parse_input_schema({"properties": [
        "text", None, {"title": "no name"}, {"name": "a", "type": "string"},
        {"name": "a", "type": "integer"}, {"name": "b", "type": "string"},
    ]})  # fmt: skip
    assert schema.names == ["a", "b"] and schema.field("a").type == "string"
    assert len(schema.notes) == 4
    assert any("repeats the name `a`" in n for n in schema.notes)


def test_schema_as_json_string_is_decoded():
    schema = parse_input_schema(json.dumps({"properties": [{"name": "q", "type": "string"}]}))
    assert schema.names == ["q"] and any("JSON string" in n for n in schema.notes)


def test_unknown_editor_text_is_noted_and_the_type_still_rules():
    schema = parse_input_schema({"properties": [
        {"name": "q", "type": "string", "editor": "text", "required": True}]})  # fmt: skip
    field = schema.field("q")
    assert field.editor == "text" and field.kind == "string"
    assert any("unknown editor 'text'" in n for n in field.notes)
    assert schema.build({"q": "coffee"}) == {"q": "coffee"}
    assert problems_of(schema, {"q": 3}) == ["`q` must be a string, got int 3"]


def test_odd_attribute_values_are_tolerated():
    schema = parse_input_schema({"properties": [
        {"name": "n", "type": "int", "required": "true", "minimum": "2", "maximum": "x",
         "title": 7, "options": "nope", "default": None},
        {"name": "u", "type": ["string", "null"]},
        {"name": "w", "type": "mystery"},
        {"name": "bad name!", "type": "string"},
    ]})  # fmt: skip
    n = schema.field("n")
    assert (n.type, n.kind, n.required, n.minimum, n.maximum) == (None, "integer", True, 2.0, None)
    assert n.title == "7" and n.options == () and n.default is MISSING
    assert len(n.notes) >= 5
    assert schema.field("u").type == "string"
    assert schema.field("w").kind == "any" and schema.build({"n": 3, "w": [1, {"a": None}]})["w"]
    assert any("characters" in note for note in schema.field("bad name!").notes)
    assert problems_of(schema, {"n": 1}) == ["`n` must be at least 2, got 1"]


def test_options_in_loose_forms():
    schema = parse_input_schema({"properties": [{"name": "s", "type": "string", "editor": "select",
        "options": ["a", {"label": "Bee"}, {"value": "c"}, {"x": 1}]}]})  # fmt: skip
    field = schema.field("s")
    assert field.options == (Option("a", "a"), Option("Bee", "Bee"), Option("c", "c"))
    assert len(field.notes) == 2


def test_split_field_problems_are_noted():
    schema = parse_input_schema({"b": "q", "concurrency": {"fields": ["ghost"]},
        "properties": [{"name": "q", "type": "string"}]})  # fmt: skip
    assert schema.split_fields == ("q", "ghost")
    assert any("`q` is a string" in n for n in schema.notes)
    assert any("`ghost` is not among" in n for n in schema.notes)
    assert "splits runs by" in problems_of(schema, {"q": "x"})[0]


def test_forty_property_schema():
    kinds = [
        ("string", "input", "x"), ("integer", "number", 3), ("boolean", "switch", True),
        ("array", "stringList", [{"string": "s"}]), ("number", "number", 1.5),
    ]  # fmt: skip
    props = []
    for i in range(40):
        type_, editor, default = kinds[i % len(kinds)]
        props.append({"name": f"f{i:02d}", "title": f"Field {i}", "type": type_, "editor": editor,
                      "default": default, "required": i % 7 == 0,
                      "sectionCaption": f"Part {i // 10}" if i % 10 == 0 else None})  # fmt: skip
    schema = parse_input_schema({"b": "f03", "properties": props})
    assert len(schema) == 40 and schema.names == [f"f{i:02d}" for i in range(40)]
    assert schema.required_names == [f"f{i:02d}" for i in range(0, 40, 7)]
    assert [f.section_caption for f in schema if f.section_caption] == [
        f"Part {i}" for i in range(4)
    ]
    built = schema.build({"f03": ["a", "b"], "f01": 7.0})
    assert built["f03"] == [{"string": "a"}, {"string": "b"}] and built["f01"] == 7
    assert len(built) == 40 and schema.validate(built) == []
    problems = problems_of(schema, {f"f{i:02d}": "wrong" for i in range(40)})
    # Strings fit the string fields and become one-item lists in the stringList ones.
    assert len(problems) == len([i for i in range(40) if i % 5 in (1, 2, 4)])
    assert problems[0] == "`f01` must be an integer, got str 'wrong'"


# --- mismatched editor/type pairs ------------------------------------------------------------


def test_radio_with_object_type():
    schema = parse_input_schema({"properties": [{"name": "r", "type": "object", "editor": "radio",
        "options": [{"label": "A", "value": "a"}]}]})  # fmt: skip
    field = schema.field("r")
    assert field.kind == "object" and len(field.notes) == 2
    assert schema.build({"r": '{"k": 1}'}) == {"r": {"k": 1}}
    assert problems_of(schema, {"r": "a"}) == [
        "`r` must be an object (a dict), got str 'a'; a JSON string must parse to an object"
    ]


def test_select_multiple_on_a_string_type_holds_a_list():
    schema = parse_input_schema({"properties": [{"name": "s", "type": "string", "editor": "select",
        "multiple": True,
        "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]}]})  # fmt: skip
    field = schema.field("s")
    assert (field.type, field.kind, field.multiple) == ("string", "array", True)
    assert any("says string; a list is sent" in n for n in field.notes)
    assert schema.build({"s": ("b", "a")}) == {"s": ["b", "a"]}
    assert schema.build({"s": {"a"}}) == {"s": ["a"]}
    assert problems_of(schema, {"s": ["a", "z", "y"]}) == [
        "`s` has 'z', 'y', not among its options; allowed: 'a', 'b'"
    ]
    assert "pass a list such as ['a']" in problems_of(schema, {"s": 5})[0]


def test_textarea_with_array_type_accepts_a_list_or_json_text():
    schema = parse_input_schema(
        {"properties": [{"name": "t", "type": "array", "editor": "textarea"}]}
    )
    assert schema.field("t").notes
    assert schema.build({"t": '["a", 1]'}) == {"t": ["a", 1]}
    assert schema.build({"t": ["x"]}) == {"t": ["x"]}
    assert "must be a list" in problems_of(schema, {"t": "plain text"})[0]


def test_number_editor_with_string_type_never_converts():
    schema = parse_input_schema(
        {"properties": [{"name": "n", "type": "string", "editor": "number"}]}
    )
    assert any("'number' is not made for a string" in n for n in schema.field("n").notes)
    assert schema.build({"n": "12"}) == {"n": "12"}
    assert problems_of(schema, {"n": 12}) == ["`n` must be a string, got int 12"]


def test_json_editor_with_array_type():
    schema = parse_input_schema({"properties": [{"name": "j", "type": "array", "editor": "json",
        "default": [{"url": "https://a.example"}]}]})  # fmt: skip
    field = schema.field("j")
    assert field.notes == () and field.item_shape is None
    assert schema.build({"j": '[{"url": "u"}]'}) == {"j": [{"url": "u"}]}
    assert "must be a list" in problems_of(schema, {"j": '{"url": "u"}'})[0]


def test_more_mismatches_follow_the_declared_type():
    schema = parse_input_schema({"properties": [
        {"name": "sw", "type": "string", "editor": "switch"},
        {"name": "sl", "type": "string", "editor": "stringList"},
        {"name": "dp", "type": "integer", "editor": "datepicker"},
        {"name": "cb", "type": "string", "editor": "checkbox",
         "options": [{"label": "X", "value": "x"}]},
        {"name": "ib", "type": "boolean", "editor": "input"},
    ]})  # fmt: skip
    assert all(f.notes for f in schema)
    assert schema.field("dp").value_format is None
    assert schema.build({"sw": "on", "sl": "one", "dp": 20260105, "cb": "x", "ib": False}) == {
        "sw": "on", "sl": "one", "dp": 20260105, "cb": "x", "ib": False,
    }  # fmt: skip
    problems = problems_of(
        schema, {"sw": True, "sl": ["a"], "dp": dt.date(2026, 1, 5), "cb": "y", "ib": "no"}
    )
    assert len(problems) == 5
    assert "`cb` has 'y', not among its options" in problems[3]


SAMPLES = {"string": "2026-01-02", "integer": 3, "number": 1.5, "boolean": True,
           "array": ["2026-01-02"], "object": {"k": 1}}  # fmt: skip
EDITORS = ["input", "textarea", "number", "select", "radio", "checkbox", "switch", "datepicker",
           "requestList", "requestListSource", "stringList", "json", "text", None]  # fmt: skip


@pytest.mark.parametrize("editor", EDITORS)
@pytest.mark.parametrize("type_", [*SAMPLES, None])
def test_every_editor_type_pair_parses_and_builds_by_type(editor, type_):
    prop = {"name": "f", "title": "F", "type": type_, "editor": editor, "required": True}
    field = parse_input_schema({"properties": [{k: v for k, v in prop.items() if v}]}).field("f")
    natural = {  # the pairs the platform's own editors are made for
        "input": "string integer number", "textarea": "string integer number",
        "number": "integer number", "select": "string integer number",
        "radio": "string integer number", "checkbox": "array", "switch": "boolean",
        "datepicker": "string", "requestList": "array", "requestListSource": "array",
        "stringList": "array", "json": "object array",
    }.get(editor, "")  # fmt: skip
    mismatched = bool(type_ and editor in EDITORS[:12] and type_ not in natural.split())
    assert any("not made for" in n for n in field.notes) == mismatched
    assert (field.type, field.editor) == (type_, editor)
    if type_ is None:
        return
    assert field.kind == type_
    built = parse_input_schema({"properties": [prop]}).build({"f": SAMPLES[type_]})
    assert json.loads(json.dumps(built)) == built and isinstance(built["f"], type(SAMPLES[type_]))
    wrong = "x" if type_ != "string" else 7
    if not (type_ == "array" and editor in ("requestList", "requestListSource", "stringList")):
        assert problems_of(parse_input_schema({"properties": [prop]}), {"f": wrong})


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


# --- normalisation conveniences --------------------------------------------------------------


def test_list_inputs_take_one_string_and_plain_strings(demo):
    built = demo.build({
        "urls": "https://a.example",
        "terms": ("coffee", "tea"),
        "tags": [{"string": "x"}, "y", "", None, float("nan")],
    })  # fmt: skip
    assert built["urls"] == [{"url": "https://a.example"}]
    assert built["terms"] == [{"string": "coffee"}, {"string": "tea"}]
    assert built["tags"] == ["x", "y"]  # mirrors the default's plain strings, empties dropped
    one_url = {"urls": ["u"], "sources": "https://s.example"}  # becomes row 1, lacking `depth`
    assert problems_of(demo, one_url) == [
        "row 1 of `sources` has no `depth` (Depth), which is required"
    ]
    assert demo.field("terms").notes  # no default: the platform's {"string": ...} is a guess
    row = {"url": "https://s.example", "depth": 2, "mode": "fast"}
    assert demo.build({"urls": ["u"], "sources": [row]})["sources"] == [row]


def test_list_items_keep_a_custom_key_from_the_default():
    schema = parse_input_schema({"properties": [{"name": "links", "type": "array",
        "editor": "requestList", "default": [{"link": "https://a.example"}]}]})  # fmt: skip
    field = schema.field("links")
    assert (field.item_shape, field.item_key) == ("objects", "link")
    assert schema.build({"links": ["b"]}) == {"links": [{"link": "b"}]}
    assert problems_of(schema, {"links": [{"url": "b"}]}) == [
        "item 1 of `links` must be an object like {'link': '...'}, got dict {'url': 'b'}"
    ]


def test_numbers(demo):
    assert demo.build({"urls": ["u"], "max_results": 5.0})["max_results"] == 5
    assert demo.build({"urls": ["u"], "ratio": 1})["ratio"] == 1
    assert problems_of(demo, {"urls": ["u"], "max_results": 5.5}) == [
        "`max_results` must be an integer, got float 5.5"
    ]
    assert problems_of(demo, {"urls": ["u"], "max_results": 0}) == [
        "`max_results` must be at least 1, got 0"
    ]
    assert problems_of(demo, {"urls": ["u"], "ratio": float("nan")}) == [
        "`ratio` must be a finite number, got nan"
    ]
    assert problems_of(demo, {"urls": ["u"], "ratio": "0.3"}) == [
        "`ratio` must be a number, got str '0.3'"
    ]
    assert problems_of(demo, {"urls": ["u"], "category": "1"}) == [
        "`category` must be an integer, got str '1'; allowed: 1, 2"
    ]


def test_datepicker_values():
    schema = parse_input_schema({"properties": [
        {"name": "d", "type": "string", "editor": "datepicker", "valueFormat": "YYYY-MM-DD"},
        {"name": "t", "type": "string", "editor": "datepicker",
         "valueFormat": "DD/MM/YYYY HH:mm:ss"},
        {"name": "n", "type": "string", "editor": "datepicker"},
        {"name": "odd", "type": "string", "editor": "datepicker", "valueFormat": "Do MMM YYYY"},
    ]})  # fmt: skip
    when = dt.datetime(2026, 3, 4, 5, 6, 7)
    assert schema.build({"d": when.date(), "t": when, "n": when, "odd": "4th Mar 2026"}) == {
        "d": "2026-03-04", "t": "04/03/2026 05:06:07", "n": "2026-03-04", "odd": "4th Mar 2026",
    }  # fmt: skip
    assert any("YYYY-MM-DD" in n for n in schema.field("n").notes)
    assert any("cannot check" in n for n in schema.field("odd").notes)
    assert problems_of(schema, {"d": "2026-3-4", "t": "04/03/2026"}) == [
        "`d` must be a date like YYYY-MM-DD, got '2026-3-4'",
        "`t` must be a date like DD/MM/YYYY HH:mm:ss, got '04/03/2026'",
    ]
    assert "pass a datetime.date" in problems_of(schema, {"d": 20260304})[0]


def test_json_fields_and_json_looking_text():
    schema = parse_input_schema({"properties": [
        {"name": "geo", "type": "object", "editor": "json"},
        {"name": "raw", "type": "string", "editor": "textarea", "default": '{"a": 1}'},
    ]})  # fmt: skip
    built = schema.build({"geo": '{"type": "Point"}'})
    assert built == {"geo": {"type": "Point"}, "raw": '{"a": 1}'}  # a string field stays a string
    assert schema.build({"raw": '{"b": 2}'})["raw"] == '{"b": 2}'
    assert "must be an object" in problems_of(schema, {"geo": "{broken"})[0]
    assert problems_of(schema, {"geo": {"a": [1, float("inf")]}}) == [
        "`geo` holds a non-finite number inf at ['a'][1]"
    ]
    assert problems_of(schema, {"geo": {"when": dt.date(2026, 1, 1)}}) == [
        "`geo` holds a date value at ['when'], which JSON cannot carry"
    ]


def test_numpy_and_pandas_values_become_plain():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    schema = parse_input_schema({"properties": [
        {"name": "n", "type": "integer"}, {"name": "b", "type": "boolean"},
        {"name": "urls", "type": "array", "editor": "requestList"},
        {"name": "d", "type": "string", "editor": "datepicker", "valueFormat": "DD.MM.YYYY"},
    ]})  # fmt: skip
    built = schema.build({
        "n": np.int64(3), "b": np.bool_(True), "urls": pd.Series(["a", "b"]),
        "d": pd.Timestamp("2026-02-01"),
    })  # fmt: skip
    assert built == {"n": 3, "b": True, "urls": [{"url": "a"}, {"url": "b"}], "d": "01.02.2026"}
    assert type(built["n"]) is int and type(built["b"]) is bool
    assert json.loads(json.dumps(built)) == built


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
