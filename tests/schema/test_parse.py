"""Parsing input-schema descriptors: the reference schemas, odd descriptors, odd pairs."""

import datetime as dt
import json

import pytest

from coreclaw_pandas.schema import (
    MISSING,
    InputSchema,
    Option,
    parse_input_schema,
)

from .helpers import problems_of

# --- the reference schemas -------------------------------------------------------------------


def test_reference_schema_parses_and_its_defaults_validate(reference_schema_file, reference_schema):
    raw = reference_schema(reference_schema_file)
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


def test_reference_node_demo_reads_every_editor(reference_schema):
    schema = parse_input_schema(reference_schema("node-worker-demo-all-editors.json"))
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


def test_reference_reply_envelope_is_unwrapped_with_a_note(reference_schema):
    schema = parse_input_schema(reference_schema("apifox-api-scraper-response-example.json"))
    assert schema.names == ["startURLs", "maximum", "download_images"]
    assert schema.split_fields == ("startURLs",)
    assert any("data.parameters.custom" in n for n in schema.notes)
    assert schema.description.startswith("Choose your starting point")


def test_reference_docs_composite_concurrency_sections_and_plain_string_list(reference_schema):
    schema = parse_input_schema(reference_schema("docs-input-schema-editor-examples.json"))
    assert schema.split_fields == ("keywords", "google_maps_urls", "place_ids")
    assert schema.field("searchTerms").item_shape == "strings"
    assert schema.build({"searchTerms": [{"string": "x"}, "y"]})["searchTerms"] == ["x", "y"]
    assert schema.field("timeout").section_caption == "Request control and result settings"
    area = schema.build({"custom_geojson": '{"type": "Point", "coordinates": [1, 2]}'})
    assert area["custom_geojson"] == {"type": "Point", "coordinates": [1, 2]}


def test_reference_probe_with_missing_keys(reference_schema):
    schema = parse_input_schema(reference_schema("cli-probe-missing-required-fields.json"))
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
