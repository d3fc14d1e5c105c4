"""Links to files written by a form, as the Jupyter server that runs the kernel serves them.

Jupyter serves a file at ``<base_url>files/<path under its root folder>``. A relative
link in a widget resolves against the page (``/lab/tree/...``), so it fetches
JupyterLab's own HTML page instead of the file. The kernel's parent process is the
server, and every server writes its ``root_dir`` and ``base_url`` to a
``jpserver-<pid>.json`` file in Jupyter's runtime folder: that is where the link is
built from. Outside a Jupyter server (a script, nbclient, Voila's own server without
that file), or for a file outside the server's root, no link can work, so the path is
shown as text instead.

Standard library only; no widgets.
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["file_link_html", "jupyter_file_href"]

#: A link that looks like one in JupyterLab, whose widget styles reset link colours.
LINK_STYLE = "color:#0969da;text-decoration:underline"


def _runtime_dir() -> Path:
    """Jupyter's runtime folder, found as ``jupyter_core.paths.jupyter_runtime_dir`` finds it."""
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        return Path(os.environ["JUPYTER_RUNTIME_DIR"])
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"]) / "runtime"
    home = Path.home()
    if sys.platform == "darwin":
        data = home / "Library" / "Jupyter"
    elif os.name == "nt":
        data = Path(os.environ.get("APPDATA") or home) / "jupyter"
    else:
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "jupyter"
    return data / "runtime"


def _server_info() -> dict[str, Any] | None:
    """The runtime file of the Jupyter server that started this kernel, if any."""
    folder = _runtime_dir()
    if not folder.is_dir():
        return None
    parent = os.getppid()
    for path in folder.glob("jpserver-*.json"):
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a server that is just starting or stopping
        if isinstance(info, dict) and info.get("pid") == parent and info.get("root_dir"):
            return info
    return None


def jupyter_file_href(path: Path) -> str | None:
    """The URL path the Jupyter server running this kernel serves ``path`` at.

    Args:
        path: A file on this machine.

    Returns:
        ``<base_url>files/<path under the server root>``, URL-quoted; None when the
        kernel was not started by a Jupyter server or the file is outside its root.
    """
    info = _server_info()
    if info is None:
        return None
    try:
        rel = os.path.relpath(path.resolve(), Path(info["root_dir"]).expanduser().resolve())
    except ValueError:  # another drive on Windows
        return None
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    base = str(info.get("base_url") or "/")
    base = base if base.endswith("/") else base + "/"
    return f"{base}files/{quote(rel.replace(os.sep, '/'))}"


def file_link_html(path: Path) -> str:
    """A download link to ``path`` for the page showing the form, or the path as text.

    Args:
        path: The file written.

    Returns:
        HTML: an ``<a download>`` styled as a link, or ``<code>path</code>``.
    """
    href = jupyter_file_href(path)
    if href is None:
        return f"<code>{html.escape(str(path.resolve()))}</code>"
    return (
        f"<a href='{html.escape(href)}' download='{html.escape(path.name)}' "
        f"target='_blank' style='{LINK_STYLE}'>{html.escape(path.name)}</a>"
    )
