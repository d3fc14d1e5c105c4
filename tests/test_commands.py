"""The commands (issue 16 #12): the demo's field list stays aligned, --help names the command."""

from __future__ import annotations

import subprocess
import sys

from coreclaw_pandas.demo import field_lines
from coreclaw_pandas.schema import parse_input_schema


def test_the_demo_field_list_stays_aligned_on_long_names() -> None:
    schema = parse_input_schema(
        {
            "properties": {
                "url": {"title": "URL", "type": "string"},
                "a_very_long_field_name_indeed_longer_than_twenty": {
                    "title": "Long",
                    "type": "integer",
                    "default": 3,
                },
                "flag": {"title": "Flag", "type": "boolean"},
            },
            "required": ["url"],
        }
    )
    lines = field_lines(schema)
    assert lines[0].startswith("  * url ")
    titles = [line.index(t) for line, t in zip(lines, ("URL", "Long", "Flag"), strict=True)]
    assert len(set(titles)) == 1, lines  # every title starts in the same column
    kinds = [line.index(k) for line, k in zip(lines, ("string", "integer", "boolean"), strict=True)]
    assert len(set(kinds)) == 1, lines
    assert lines[1].endswith("Long (default 3)")


def test_emulator_help_names_the_command_it_was_started_by(repo_root) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "coreclaw_pandas", "emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo_root,
        env={"PYTHONPATH": str(repo_root), "PATH": ""},
    ).stdout
    assert out.startswith("usage: coreclaw-pandas emulator ")
    assert "python -m coreclaw_pandas.emulator" not in out
