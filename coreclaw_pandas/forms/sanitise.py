"""HTML sanitiser for the descriptions Worker authors write into input schemas.

:func:`sanitise_html` keeps simple formatting tags, drops every attribute but a
safe link target, removes scripts and styles with their content and escapes
the rest, so a description can be shown in a notebook without running code or
restyling the page. Standard library only (``html.parser``); no widgets.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["sanitise_html"]

# Descriptions come from whoever wrote the Worker: keep simple formatting, drop the rest.
_ALLOWED_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "s", "code", "pre", "br", "p", "ul", "ol", "li",
    "span", "small", "sub", "sup", "blockquote",
})  # fmt: skip
_DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
    "textarea", "select", "title", "head",
})  # fmt: skip
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping += 1
        elif self.skipping or tag not in _ALLOWED_TAGS:
            return
        elif tag == "br":
            self.out.append("<br>")
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if _SAFE_LINK.match(href):
                self.out.append(
                    f'<a href="{html.escape(href)}" target="_blank" rel="noopener noreferrer">'
                )
            else:
                self.out.append("<a>")
            self.open.append(tag)
        else:
            self.out.append(f"<{tag}>")  # every attribute dropped: no on*, style or class
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROPPED_WITH_CONTENT:  # <script/> must not start skipping
            self.handle_starttag(tag, attrs)
            if tag != "br":
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag in self.open:
            while self.open:  # close what was left open inside it, so nesting stays valid
                inner = self.open.pop()
                self.out.append(f"</{inner}>")
                if inner == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))


def sanitise_html(text: str) -> str:
    """Make a Worker's HTML description safe to show.

    Keeps a small set of formatting tags (``b``, ``strong``, ``em``, ``code``,
    ``a``, lists, paragraphs...), drops every attribute except a link's ``http``,
    ``https`` or ``mailto`` target, removes ``script``/``style`` (and the like)
    with their content, escapes everything else and closes tags left open.

    Args:
        text: HTML or plain text.

    Returns:
        HTML that runs no script and cannot restyle the page.

    Example:
        >>> sanitise_html('<b onclick="x()">Hi</b><script>alert(1)</script>')
        '<b>Hi</b>'
    """
    parser = _Sanitiser()
    parser.feed(text or "")
    parser.close()
    return "".join(parser.out) + "".join(f"</{t}>" for t in reversed(parser.open))
