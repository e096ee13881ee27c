"""Escaping for the text formats: the one Markdown escape every Markdown writer uses."""

from __future__ import annotations


def markdown(text: object) -> str:
    """Text safe in a Markdown table cell or heading, and inert as HTML (GitHub renders some
    HTML inside Markdown): ``& < >`` become entities, ``|`` is escaped, newlines become
    spaces."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))
