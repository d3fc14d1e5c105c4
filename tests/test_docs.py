"""The documentation stays true: its examples run, its reference is complete, its links work.

* Every code block fenced as ```` ```python runnable ```` in README.md and docs/*.md runs,
  file by file, in order, in one namespace, against the local emulator. The namespace
  starts with ``cc`` (``import coreclaw_pandas as cc``) and ``emu`` (a running
  ``Emulator``), and ``cc.configure(base_url=emu.url, api_key=emu.api_key)`` has been
  called. A ```` ```text output ```` block right after a runnable block is what that block
  prints, exactly.
* docs/reference.md lists every public name (``coreclaw_pandas.__all__``, the
  ``df.coreclaw`` accessor, ``Emulator``) and nothing that does not exist; the parameters
  it shows in signatures are real.
* Every relative link in README.md and docs/*.md points to a file that exists (and, for a
  Markdown file, to one of its headings when it names an anchor).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import coreclaw_pandas as cc
from coreclaw_pandas.accessor import CoreClawAccessor
from coreclaw_pandas.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference.md"
#: Guides whose examples must be executed (an empty guide would pass vacuously).
MUST_RUN = ("quickstart.md", "guide-dataframes.md", "errors.md", "troubleshooting.md")

_FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)\s*(.*?)\s*$")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    language: str
    tags: tuple[str, ...]
    code: str
    line: int  # 1-based line of the first code line


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def parse_blocks(text: str) -> list[Block]:
    """Fenced blocks in order; an unclosed fence runs to the end, as renderers do."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, language, rest = match.groups()
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        code = "\n".join(lines[start:end])
        blocks.append(Block(language.lower(), tuple(rest.split()), code, start + 1))
        i = end + 1
    return blocks


def runnable_with_output(blocks: list[Block]) -> list[tuple[Block, Block | None]]:
    """Runnable blocks, each with the ``text output`` block that directly follows it."""
    pairs: list[tuple[Block, Block | None]] = []
    for index, block in enumerate(blocks):
        if block.language != "python" or "runnable" not in block.tags:
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        is_output = after is not None and after.language == "text" and "output" in after.tags
        pairs.append((block, after if is_output else None))
    return pairs


def _runnable_files() -> list[Path]:
    return [p for p in markdown_files() if runnable_with_output(parse_blocks(p.read_text("utf-8")))]


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def test_block_parser_sees_tags_and_outputs():
    text = (
        "intro\n```python runnable\nprint(1)\n```\n\n```text output\n1\n```\n"
        "```python\nnot run\n```\n````markdown\n```python runnable\nnested\n```\n````\n"
    )
    blocks = parse_blocks(text)
    assert [(b.language, b.tags) for b in blocks] == [
        ("python", ("runnable",)),
        ("text", ("output",)),
        ("python", ()),
        ("markdown", ()),
    ]
    (pair,) = runnable_with_output(blocks)
    assert pair[0].code == "print(1)" and pair[0].line == 3
    assert pair[1] is not None and pair[1].code == "1"


@pytest.mark.parametrize("name", MUST_RUN)
def test_guides_have_runnable_examples(name):
    pairs = runnable_with_output(parse_blocks((DOCS / name).read_text("utf-8")))
    assert pairs, f"docs/{name} has no ```python runnable block: its examples would go untested"


@pytest.mark.parametrize("path", _runnable_files(), ids=_rel)
def test_runnable_blocks_run(path, emu, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cc.configure(
        base_url=emu.url,
        api_key=emu.api_key,
        poll=cc.PollPolicy(initial=0.05, factor=1.5, maximum=0.25),
    )
    namespace: dict[str, object] = {"__name__": "__docs__", "cc": cc, "emu": emu}
    started: list[Emulator] = []
    try:
        for block, output in runnable_with_output(parse_blocks(path.read_text("utf-8"))):
            # Padding keeps tracebacks on the Markdown file's own line numbers.
            code = compile("\n" * (block.line - 1) + block.code, _rel(path), "exec")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(code, namespace)
            current = namespace.get("emu")
            if isinstance(current, Emulator) and current is not emu and current not in started:
                started.append(current)  # a block that starts its own emulator (the README)
            if output is not None:
                assert _normalise(printed.getvalue()) == _normalise(output.code), (
                    f"{_rel(path)}:{output.line}: the output shown is not what the block "
                    f"at line {block.line} prints"
                )
    finally:
        for extra in started:
            extra.stop()


# -- The reference page ------------------------------------------------------------------

_SECTIONS = {
    "package": re.compile(r"^## .*`coreclaw_pandas`"),
    "accessor": re.compile(r"^## .*`df\.coreclaw`"),
    "emulator": re.compile(r"^## .*`Emulator`"),
}
_ROW_NAME = re.compile(r"^\|\s*`(?:[\w.]+\.)?([A-Za-z_]\w*)(\([^`]*\))?`")


def reference_entries() -> dict[str, dict[str, str | None]]:
    """Section -> {name: signature text or None}, from the tables of docs/reference.md."""
    entries: dict[str, dict[str, str | None]] = {key: {} for key in _SECTIONS}
    section = None
    for line in REFERENCE.read_text("utf-8").splitlines():
        if line.startswith("## "):
            section = next((k for k, rx in _SECTIONS.items() if rx.match(line)), None)
            continue
        match = _ROW_NAME.match(line)
        if section and match:
            entries[section][match.group(1)] = match.group(2)
    return entries


def _public_members(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def test_reference_lists_every_public_name_and_no_other():
    documented = set(reference_entries()["package"])
    exported = set(cc.__all__)
    assert not exported - documented, f"not in docs/reference.md: {sorted(exported - documented)}"
    assert not documented - exported, (
        f"docs/reference.md lists names that coreclaw_pandas does not export: "
        f"{sorted(documented - exported)}"
    )


@pytest.mark.parametrize(
    ("section", "cls"), [("accessor", CoreClawAccessor), ("emulator", Emulator)]
)
def test_reference_lists_every_member(section, cls):
    documented = set(reference_entries()[section])
    public = _public_members(cls)
    assert not public - documented, f"{cls.__name__} members missing: {sorted(public - documented)}"
    assert not documented - public, f"not members of {cls.__name__}: {sorted(documented - public)}"


def _parameters(signature_text: str) -> list[str]:
    inner = signature_text.strip()[1:-1]
    names = []
    for part in inner.split(","):
        name = part.split("=")[0].split(":")[0].strip().lstrip("*").strip()
        if name and name not in ("...",):
            names.append(name)
    return names


def _target(section: str, name: str) -> object | None:
    owner = {"package": cc, "accessor": CoreClawAccessor, "emulator": Emulator}[section]
    return getattr(owner, name, None)  # a missing name is reported by the tests above


def test_reference_signatures_name_real_parameters():
    wrong = []
    for section, entries in reference_entries().items():
        for name, signature in entries.items():
            if not signature:
                continue
            target = _target(section, name)
            if target is None:
                continue
            real = set(inspect.signature(target).parameters)
            unknown = [p for p in _parameters(signature) if p not in real]
            if unknown:
                wrong.append(f"{name}{signature}: no parameter(s) {unknown}")
    assert not wrong, "docs/reference.md shows parameters that do not exist:\n" + "\n".join(wrong)


# -- Links -----------------------------------------------------------------------------


def relative_links(path: Path) -> list[tuple[int, str]]:
    """``(line, target)`` of links that are neither absolute URLs nor in-page anchors."""
    found = []
    in_code = False
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        for target in _LINK.findall(_CODE_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
                continue
            found.append((number, target))
    return found


def test_link_finder_skips_urls_anchors_and_code():
    sample = ROOT / "README.md"
    links = relative_links(sample)
    assert all(not t.startswith(("http", "#")) for _, t in links)
    assert any(t.startswith("docs/") for _, t in links), "README.md should link into docs/"


def heading_anchors(path: Path) -> set[str]:
    """The ``#anchors`` GitHub gives a Markdown file's headings."""
    anchors = set()
    in_code = False
    for line in path.read_text("utf-8").splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


def test_anchor_rules():
    assert "runnable-examples" in heading_anchors(DOCS / "index.md")
    assert "the-dfcoreclaw-accessor" in heading_anchors(REFERENCE)


@pytest.mark.parametrize("path", markdown_files(), ids=_rel)
def test_relative_links_point_to_files(path):
    broken = []
    for line, target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = path.parent / file_part
        if not linked.exists():
            broken.append(f"{_rel(path)}:{line}: {target}")
        elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
            broken.append(f"{_rel(path)}:{line}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
