"""Fixtures for the schema tests."""

import copy

import pytest

from coreclaw_pandas.schema import parse_input_schema

from .helpers import DEMO


@pytest.fixture
def demo():
    """The demo schema, parsed afresh for each test."""
    return parse_input_schema(copy.deepcopy(DEMO))
