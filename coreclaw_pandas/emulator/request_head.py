"""Reading a request's header block: the stdlib's answer, without its email parser.

``http.server`` hands the header lines to ``email.parser``, which costs about a
third of the CPU of serving a result page. Ordinary header lines (``Name: value``,
no folding, no stray CR) are read here into a plain dict with the same values the
email parser gives; any other block goes to the email parser itself, so odd input
is read exactly as ``http.server`` reads it.
"""

from __future__ import annotations

import email.parser
import http.client
import re
from collections.abc import Iterator
from typing import Protocol

#: The stdlib's limits (``http.client``): longest header line, most header lines.
MAX_LINE = 65536
MAX_HEADERS = 100

# A token-ish name (the email parser's header characters, never empty) and a value
# without CR or LF before the line end: the email parser reads such a line as
# ``name`` and the value with leading blanks and the line end stripped.
_PLAIN_LINE = re.compile(rb"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n")


class Lines(Protocol):
    """What the header block is read from: a buffered socket file."""

    def readline(self, size: int = -1, /) -> bytes:
        """At most ``size`` bytes, up to and including the next line feed."""
        ...


class Headers:
    """Case-insensitive header lookup with ``email.message.Message``'s reading rules.

    ``get`` returns the first value sent under a name, as the stdlib's message does.
    """

    __slots__ = ("_first", "_pairs")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs
        first: dict[str, str] = {}
        for name, value in pairs:
            first.setdefault(name.lower(), value)
        self._first = first

    def get(self, name: str, failobj: str | None = None) -> str | None:
        """The first value sent under ``name`` (any case), else ``failobj``."""
        return self._first.get(name.lower(), failobj)

    def __getitem__(self, name: str) -> str | None:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __len__(self) -> int:
        return len(self._pairs)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._pairs)

    def keys(self) -> list[str]:
        """Header names in the order sent, repeats included."""
        return [name for name, _ in self._pairs]

    def items(self) -> list[tuple[str, str]]:
        """``(name, value)`` pairs in the order sent, repeats included."""
        return list(self._pairs)

    def get_all(self, name: str, failobj: list[str] | None = None) -> list[str] | None:
        """Every value sent under ``name``, else ``failobj``."""
        wanted = name.lower()
        found = [value for key, value in self._pairs if key.lower() == wanted]
        return found or failobj

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\n" for name, value in self._pairs) + "\n"


def read_headers(rfile: Lines) -> Headers | http.client.HTTPMessage:
    """Read the header block after a request line, as ``http.client.parse_headers`` does.

    Raises:
        http.client.LineTooLong: A header line is longer than ``MAX_LINE``.
        http.client.HTTPException: More than ``MAX_HEADERS`` lines were sent.
    """
    lines: list[bytes] = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
    pairs: list[tuple[str, str]] = []
    match = _PLAIN_LINE.fullmatch
    for line in lines[:-1]:
        found = match(line)
        if found is None:
            # Folded lines, bare CRs, lines without a name: the stdlib's own reading.
            text = b"".join(lines).decode("iso-8859-1")
            return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)
        name, value = found.groups()
        pairs.append((name.decode("iso-8859-1"), value.decode("iso-8859-1")))
    return Headers(pairs)
