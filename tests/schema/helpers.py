"""Helpers for the schema tests: a demo schema with one field per editor, problem lists."""

import pytest

from coreclaw_pandas.exceptions import InputError


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
