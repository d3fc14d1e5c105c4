"""Schema descriptions are shown as sanitised HTML."""

from __future__ import annotations

import pytest

from coreclaw_pandas.forms.sanitise import sanitise_html

# --- the sanitiser --------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain & simple <3", "plain &amp; simple &lt;3"),
    ("<strong>\U0001f4af Number</strong> and <code>x</code>",
     "<strong>\U0001f4af Number</strong> and <code>x</code>"),
    ("<a href='https://www.cafehook.com/' target='_self' onclick='x()'>tutorial</a>",
     '<a href="https://www.cafehook.com/" target="_blank" rel="noopener noreferrer">tutorial</a>'),
    ("<a href='javascript:alert(1)'>bad</a>", "<a>bad</a>"),
    ("<a href=' JaVaScRiPt:alert(1)'>bad</a>", "<a>bad</a>"),
    ("a<script>alert('x')</script>b<style>body{}</style>c", "abc"),
    ("<script/>kept", "kept"),
    ("<img src=x onerror=alert(1)><iframe src=//evil></iframe>ok", "ok"),
    ("<b><i>unclosed", "<b><i>unclosed</i></b>"),
    ("<b>one</i> two</b>", "<b>one two</b>"),
    ("<p style='position:fixed'>x</p><br/>y", "<p>x</p><br>y"),
    ("&lt;b&gt; stays text", "&lt;b&gt; stays text"),
    ("<div class='huge'>block</div>", "block"),
])  # fmt: skip
def test_sanitise_html(raw, clean):
    assert sanitise_html(raw) == clean
