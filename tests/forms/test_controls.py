"""Controls for the hard cases: a 40-property schema, floats and JSON text, mismatched pairs."""

from __future__ import annotations

from typing import Any

from coreclaw_pandas.forms import WorkerForm

from .helpers import assert_round_trip

# --- the hard cases: a big schema, floats and JSON text, mismatched pairs -------------------


def forty_properties() -> dict[str, Any]:
    kinds = [
        ("string", "input", "x"),
        ("integer", "number", 3),
        ("boolean", "switch", True),
        ("array", "stringList", [{"string": "s"}]),
        ("number", "number", 1.5),
        ("string", "select", "b"),
        ("array", "checkbox", ["a"]),
        ("object", "json", {}),
        ("array", "requestList", [{"url": "https://a.example"}]),
        ("string", "datepicker", "2024-02-29"),
    ]
    props = []
    for i in range(40):
        type_, editor, default = kinds[i % len(kinds)]
        prop = {
            "name": f"f{i:02d}",
            "title": f"Field {i}",
            "type": type_,
            "editor": editor,
            "default": default,
            "required": i % 7 == 0,
            "description": f"<b>help</b> {i}",
        }
        if editor in ("select", "checkbox"):
            prop["options"] = [{"label": v.upper(), "value": v} for v in "abc"]
        if i % 10 == 0:
            prop.update(sectionCaption=f"Part {i // 10}", sectionDescription="<em>more</em>")
        props.append(prop)
    return {"concurrency": {"fields": ["f03"]}, "properties": props}


def test_forty_property_schema():
    form = WorkerForm.from_schema(forty_properties())
    assert len(form.controls) == 40 and form.value == form.schema.build({})
    heads = [w for w in form.widget.children if "Part " in getattr(w, "value", "")]
    assert len(heads) == 4
    assert_round_trip(form)


def test_float_number_field_and_json_in_a_textarea():
    form = WorkerForm.from_schema({"properties": [
        {"name": "ratio", "type": "number", "editor": "number", "default": 0.75,
         "minimum": 0, "maximum": 1},
        {"name": "headers", "type": "object", "editor": "textarea",
         "default": {"Accept": "text/html"}},
        {"name": "raw", "type": "string", "editor": "textarea", "default": '{"a": 1}'},
    ]})  # fmt: skip
    c = form.controls
    assert (c["ratio"].renders_as, c["headers"].renders_as, c["raw"].renders_as) == (
        "number",
        "json",
        "textarea",
    )
    assert c["ratio"].input.value == "0.75" and form.value == form.schema.build({})
    c["ratio"].input.value = "0.1"
    c["headers"].input.value = '{"Accept": "application/json", "X-Try": 2}'
    assert form.value["ratio"] == 0.1 and form.value["headers"]["X-Try"] == 2
    assert form.value["raw"] == '{"a": 1}'  # a string field keeps its text as text
    c["ratio"].input.value = "1.5"
    assert form.validate() == ["`ratio` must be at most 1, got 1.5"]


MISMATCHED = {"properties": [
    {"name": "radio_object", "type": "object", "editor": "radio",
     "options": [{"label": "A", "value": "a"}]},
    {"name": "multi_on_string", "type": "string", "editor": "select", "multiple": True,
     "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}], "default": ["b"]},
    {"name": "textarea_array", "type": "array", "editor": "textarea", "default": ["x"]},
    {"name": "number_string", "type": "string", "editor": "number", "default": "12"},
    {"name": "switch_string", "type": "string", "editor": "switch"},
    {"name": "stringlist_string", "type": "string", "editor": "stringList"},
    {"name": "datepicker_integer", "type": "integer", "editor": "datepicker"},
    {"name": "checkbox_string", "type": "string", "editor": "checkbox",
     "options": [{"label": "X", "value": "x"}, {"label": "Y", "value": "y"}]},
    {"name": "input_boolean", "type": "boolean", "editor": "input", "default": False},
    {"name": "json_string", "type": "string", "editor": "json"},
    {"name": "requestlist_object", "type": "object", "editor": "requestList", "required": True},
    {"name": "unknown_text", "type": "string", "editor": "text", "default": "hi"},
    {"name": "no_type_no_editor", "title": "Bare"},
]}  # fmt: skip


def test_mismatched_editor_type_pairs_fall_back_by_type_with_a_note():
    form = WorkerForm.from_schema(MISMATCHED)
    shown = {name: c.renders_as for name, c in form.controls.items()}
    assert shown == {
        "radio_object": "json", "multi_on_string": "select", "textarea_array": "json",
        "number_string": "input", "switch_string": "input", "stringlist_string": "input",
        "datepicker_integer": "number", "checkbox_string": "select", "input_boolean": "switch",
        "json_string": "input", "requestlist_object": "json", "unknown_text": "input",
        "no_type_no_editor": "json",
    }  # fmt: skip
    for name, control in form.controls.items():
        notes = control.widget.children[-2].value  # the notes list sits above the error line
        if name != "multi_on_string":
            assert "Shown as" in notes, name
    # The untouched form names exactly the one required field without a default.
    assert form.validate() == ["missing required field `requestlist_object` (requestlist_object)"]
    form.controls["requestlist_object"].input.value = '{"url": "https://a.example"}'
    assert form.validate() == [] and form.value == form.schema.build(
        {"requestlist_object": {"url": "https://a.example"}}
    )
    assert_round_trip(form)


def test_radio_with_object_type_reports_a_choice_typed_as_text():
    form = WorkerForm.from_schema(MISMATCHED)
    form.controls["requestlist_object"].value = {}
    form.controls["radio_object"].input.value = "a"
    assert form.validate() == [
        "`radio_object` must be an object (a dict), got str 'a'; "
        "a JSON string must parse to an object"
    ]
