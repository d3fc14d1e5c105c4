"""Worker forms built from local schemas, headless: set widget values, click buttons.

No server here: forms come from ``WorkerForm.from_schema``; the reference folder's
schemas are read in place."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from coreclaw_pandas.exceptions import InputError
from coreclaw_pandas.forms import WorkerForm
from coreclaw_pandas.forms.form import problems_by_field
from coreclaw_pandas.schema import values as sv

from .helpers import assert_round_trip

# --- the shared reference schemas ------------------------------------------------------------


def test_reference_schema_form_builds_defaults_validate_and_edits_round_trip(
    reference_schema_file, reference_schema
):
    raw = reference_schema(reference_schema_file)
    form = WorkerForm.from_schema(raw)
    assert list(form.controls) == form.schema.names and form.schema.names
    assert form.value == form.schema.build({})
    assert form.validate() == []
    assert_round_trip(form)
    # Run options come from the contract's defaults when a local schema gives none.
    assert form.system == {
        "cpus": 0.125,
        "memory": 512,
        "execute_limit_time_seconds": 1800,
        "max_total_charge": 0,
        "max_total_traffic": 0,
        "proxy_region": "US",
    }


def test_every_editor_gets_its_own_control(reference_schema):
    form = WorkerForm.from_schema(reference_schema("docs-input-schema-editor-examples.json"))
    shown = {name: c.renders_as for name, c in form.controls.items()}
    assert {f.editor: shown[f.name] for f in form.schema} == {e: e for e in sv.EDITORS}
    assert all(not c.field.notes for c in form.controls.values() if c.renders_as == "json")


# --- clicking and typing ---------------------------------------------------------------------


@pytest.fixture
def demo(reference_schema) -> WorkerForm:
    return WorkerForm.from_schema(reference_schema("node-worker-demo-all-editors.json"))


def test_widgets_edited_by_hand_give_the_built_value(demo):
    c = demo.controls
    c["location"].input.value = "Paris, France"
    c["notes"].input.value = "line one\nline two"
    c["max_results"].input.value = " 250 "
    c["language"].input.value = 2  # the third option, by index
    c["category"].input.value = 0
    boxes = c["data_sections"].boxes
    boxes[0].value, boxes[-1].value = not boxes[0].value, True
    c["skip_closed"].input.value = not c["skip_closed"].input.value
    c["since_date"].input.value = dt.date(2026, 2, 1)
    urls = c["urls"]
    urls.rows[0].remove_button.click()
    urls.add_button.click()
    urls.rows[-1].cells["url"].value = "https://example.org/new"
    sources = c["sources"]
    sources.add_button.click()
    sources.rows[-1].cells["url"].value = "https://example.org/src"
    sources.rows[-1].cells["num_of_posts"].value = "3"
    terms = c["searchTerms"]
    terms.add_button.click()
    terms.rows[-1].cells[terms.key].value = "bakery"
    terms.add_button.click()  # an empty row is no item

    schema = demo.schema
    options = {f.name: [o.value for o in f.options] for f in schema}
    checked = [v for v, box in zip(options["data_sections"], boxes, strict=True) if box.value]
    expected = schema.build({
        "urls": [{"url": "https://example.com/page2"}, {"url": "https://example.org/new"}],
        "sources": [{"url": "https://example.com/source1", "num_of_posts": "10"},
                    {"url": "https://example.org/src", "num_of_posts": "3"}],
        "searchTerms": [{"string": "restaurant"}, {"string": "cafe"}, {"string": "bakery"}],
        "location": "Paris, France", "notes": "line one\nline two", "max_results": 250,
        "language": options["language"][2], "category": options["category"][0],
        "data_sections": checked, "skip_closed": c["skip_closed"].input.value,
        "since_date": dt.date(2026, 2, 1),
    })  # fmt: skip
    assert demo.value == expected
    assert demo.validate() == []


def test_required_field_left_empty_is_named_next_to_it_and_in_the_summary(demo):
    for row in list(demo.controls["urls"].rows):
        row.remove_button.click()
    demo.controls["max_results"].input.value = "many"
    problems = demo.validate()
    assert problems == [
        "`urls` is required but empty; give at least one item",
        "`max_results` must be an integer, got str 'many'",
    ]
    assert "required but empty" in demo.controls["urls"].error
    assert "&#x27;many&#x27; is not a number" in demo.controls["max_results"].error
    assert "2 problem(s)" in demo._summary.value
    with pytest.raises(InputError) as caught:
        demo.value  # noqa: B018
    assert caught.value.problems == problems
    # Once shown, messages follow the edits.
    demo.controls["max_results"].input.value = "12"
    assert demo.controls["max_results"].error == ""
    demo.controls["urls"].add_row("https://example.net")
    assert demo.controls["urls"].error == "" and demo._summary.value == ""


def test_missing_required_fields_without_defaults_are_exactly_the_problems():
    form = WorkerForm.from_schema({"properties": [
        {"name": "q", "type": "string", "editor": "input", "required": True},
        {"name": "n", "type": "integer", "editor": "number", "required": True},
        {"name": "sel", "type": "string", "editor": "select", "required": True,
         "options": [{"label": "A", "value": "a"}]},
        {"name": "ok", "type": "integer", "editor": "number", "default": 3, "required": True},
        {"name": "opt", "type": "string", "editor": "input"},
    ]})  # fmt: skip
    problems = form.validate()
    missing = [p for p in problems if p.startswith("missing required field")]
    assert missing == problems and len(problems) == 3
    assert [name for name in problems_by_field(problems, form.schema.names)] == ["q", "n", "sel"]
    assert form.controls["opt"].error == "" and "missing" in form.controls["q"].error
    form.controls["q"].input.value = "coffee"
    form.controls["n"].input.value = "4"
    form.controls["sel"].input.value = 0  # widget values are option indices; -1 is "no value"
    assert form.validate() == [] and form.value == {"q": "coffee", "n": 4, "sel": "a", "ok": 3}


def test_json_editor_checks_as_you_type_and_sends_the_parsed_value(reference_schema):
    form = WorkerForm.from_schema(reference_schema("docs-input-schema-editor-examples.json"))
    geo = form.controls["custom_geojson"]
    geo.input.value = '{"type": "Point", "coordinates": [2.35, 48.85'
    assert "not valid JSON" in geo.error and "line 1" in geo.error
    problems = form.validate()
    assert len(problems) == 1 and problems[0].startswith("`custom_geojson` must be an object")
    geo.input.value = '{"type": "Point", "coordinates": [2.35, 48.85], "radiusKm": 3}'
    assert geo.error == "" and form.validate() == []
    assert form.value["custom_geojson"]["radiusKm"] == 3


def test_date_picker_sends_the_value_format_and_keeps_text_it_cannot_show():
    form = WorkerForm.from_schema({"properties": [
        {"name": "d", "type": "string", "editor": "datepicker", "valueFormat": "DD/MM/YYYY"},
    ]})  # fmt: skip
    control = form.controls["d"]
    control.input.value = dt.date(2026, 1, 5)
    assert form.value == {"d": "05/01/2026"}
    form.set_values({"d": "5/1/2026"})  # not DD/MM: kept as is, and the check names it
    assert control.value == "5/1/2026" and control.input.value is None
    assert form.validate() == ["`d` must be a date like DD/MM/YYYY, got '5/1/2026'"]
    form.set_values({"d": dt.date(2027, 12, 31)})
    assert form.value == {"d": "31/12/2027"} and form.validate() == []


def test_date_picker_with_a_time_in_its_format():
    form = WorkerForm.from_schema({"properties": [
        {"name": "at", "type": "string", "editor": "datepicker",
         "valueFormat": "YYYY-MM-DD HH:mm", "default": "2026-03-04 13:45"},
    ]})  # fmt: skip
    control = form.controls["at"]
    assert control.input.value == dt.datetime(2026, 3, 4, 13, 45)
    assert form.value == {"at": "2026-03-04 13:45"}
    control.input.value = dt.datetime(2026, 12, 1, 8, 5)
    assert form.value == {"at": "2026-12-01 08:05"}


def test_prefill_is_normalised_and_unknown_names_are_refused(reference_schema):
    raw = reference_schema("node-worker-demo-all-editors.json")
    form = WorkerForm.from_schema(raw, values={"urls": "https://one.example", "max_results": 7.0})
    assert form.value["urls"] == [{"url": "https://one.example"}]
    assert form.value["max_results"] == 7 and form.controls["max_results"].input.value == "7"
    with pytest.raises(InputError) as caught:
        form.set_values({"max_result": 3, "location": "kept out"})
    assert "did you mean `max_results`" in caught.value.problems[0]
    assert form.controls["location"].value == "New York, USA"


def test_cleared_values_fall_back_or_stay_empty_as_the_schema_says(demo):
    demo.controls["location"].input.value = ""
    demo.controls["searchTerms"].value = None
    assert demo.value["location"] == "New York, USA"  # no value: the default applies
    assert demo.value["searchTerms"] == []  # a cleared list is sent empty, not defaulted
    assert "notes" not in demo.value  # no default and left empty: not sent


def test_values_a_widget_cannot_show_round_trip_and_are_reported():
    form = WorkerForm.from_schema({"properties": [
        {"name": "cur", "type": "string", "editor": "select", "default": "CHF",
         "options": [{"label": "Euro", "value": "EUR"}]},
        {"name": "n", "type": "integer", "editor": "number", "default": "10"},
    ]})  # fmt: skip
    assert form.controls["cur"].value == "CHF" and form.controls["n"].value == "10"
    assert "cannot be shown" in form.controls["cur"].error
    problems = form.validate()
    assert len(problems) == 2 and all("this is the Worker's default" in p for p in problems)
    form.controls["cur"].input.value = 0
    form.controls["n"].input.value = "11"
    assert form.value == {"cur": "EUR", "n": 11}


def test_list_items_keep_their_key_and_extra_keys():
    form = WorkerForm.from_schema({"properties": [
        {"name": "pages", "type": "array", "editor": "requestList",
         "default": [{"detail_url": "https://a.example"}]},
        {"name": "starts", "type": "array", "editor": "requestList",
         "default": [{"url": "https://a.example", "method": "GET"}]},
        {"name": "words", "type": "array", "editor": "stringList", "default": ["a"]},
    ]})  # fmt: skip
    pages, starts, words = (form.controls[n] for n in ("pages", "starts", "words"))
    assert pages.key == "detail_url" and words.strings
    pages.add_row("https://b.example")
    starts.rows[0].cells["url"].value = "https://c.example"
    words.add_row("b")
    assert form.value == {
        "pages": [{"detail_url": "https://a.example"}, {"detail_url": "https://b.example"}],
        "starts": [{"url": "https://c.example", "method": "GET"}],
        "words": ["a", "b"],
    }  # fmt: skip
    # Items of another shape are kept whole, for the check to name them.
    pages.value = [{"url": "https://wrong-key.example"}]
    words.value = [{"text": "x"}]
    assert pages.rows == [] and "cannot be shown" in pages.error
    assert form.validate() == [
        "item 1 of `pages` must be an object like {'detail_url': '...'}, "
        "got dict {'url': 'https://wrong-key.example'}",
        "item 1 of `words` must be a string, got dict {'text': 'x'}",
    ]


def test_source_rows_with_typed_and_choice_columns():
    form = WorkerForm.from_schema({"properties": [
        {"name": "places", "type": "array", "editor": "requestListSource", "required": True,
         "param_list": [
             {"param": "keyword", "title": "Keyword", "required": True},
             {"param": "max_results", "title": "Max results", "type": "integer"},
             {"param": "lang", "title": "Language",
              "options": [{"label": "English", "value": "en"}, {"label": "French", "value": "fr"}]},
         ]},
    ]})  # fmt: skip
    places = form.controls["places"]
    assert [c.param for c in places.columns] == ["url", "keyword", "max_results", "lang"]
    assert form.validate() == ["missing required field `places` (places)"]
    row = places.add_row()
    row.cells["url"].value = "https://maps.example/?q=cafe"
    row.cells["keyword"].value = "cafe"
    row.cells["max_results"].value = "20"
    row.cells["lang"].value = 1
    second = places.add_row()
    second.cells["keyword"].value = "bakery"  # no URL: kept, and named
    assert form.validate() == ["row 2 of `places` has no `url`"]
    second.remove_button.click()
    assert form.value == {"places": [
        {"url": "https://maps.example/?q=cafe", "keyword": "cafe", "max_results": 20, "lang": "fr"}
    ]}  # fmt: skip


def test_switch_without_default_sends_nothing_until_clicked():
    form = WorkerForm.from_schema(
        {"properties": [{"name": "s", "type": "boolean", "editor": "switch"}]}
    )
    assert form.value == {} and form.controls["s"].input.description == "(not set)"
    form.controls["s"].input.value = True
    form.controls["s"].input.value = False
    assert form.value == {"s": False}


def test_sections_title_and_descriptions_are_shown_sanitised():
    form = WorkerForm.from_schema({
        "description": "Intro <script>steal()</script><b onmouseover='x()'>bold</b>",
        "properties": [
            {"name": "a", "type": "string", "editor": "input", "sectionCaption": "First part",
             "sectionDescription": "About <i>a</i>", "description": "<img src=x onerror=y()>ok"},
        ]}, title="Demo <Worker>")  # fmt: skip
    texts = [getattr(w, "value", "") for w in form.widget.children if hasattr(w, "value")]
    page = " ".join(t for t in texts if isinstance(t, str))
    assert "Demo &lt;Worker&gt;" in page and "<b>bold</b>" in page and "steal" not in page
    assert "First part" in page and "About <i>a</i>" in page
    help_html = form.controls["a"].widget.children[2].value
    assert "ok" in help_html and "img" not in help_html and "onerror" not in help_html


def test_local_schema_form_cannot_run_and_says_why(demo):
    assert demo.run_button.disabled
    assert demo.start() is False and "no Worker to run" in demo._summary.value
    assert demo.run is None and demo.df is None and demo.wait(0) is None


def test_form_shows_itself_as_a_widget(demo):
    bundle = demo._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == demo.widget.model_id
    assert bundle["text/plain"] == repr(demo) and repr(demo).startswith("WorkerForm(local schema")


def test_importing_the_package_or_the_forms_module_loads_no_widgets(repo_root):
    code = (
        "import sys, coreclaw_pandas, coreclaw_pandas.forms; "
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo_root)
