"""Escaping for the text formats: the one Markdown escape every Markdown writer uses, and
the one CSV cell rule every CSV writer uses."""

from __future__ import annotations

import re

# OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula starts with
# one of these; a leading ' makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def markdown(text: object) -> str:
    """Text safe in a Markdown table cell or heading, and inert as HTML (GitHub renders some
    HTML inside Markdown): ``& < >`` become entities, ``|`` is escaped, newlines become
    spaces."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\n", " "))


def csv_cell(value: object) -> str:
    """A CSV cell no spreadsheet runs as a formula (OWASP, "CSV Injection"): text that starts
    with ``= + - @``, a tab or a carriage return gets a leading ``'``, so that
    ``=HYPERLINK(...)`` is shown, not followed. A plain number (``-1.5``, ``+3e2``) is not
    a formula and stays as it is. None is the empty cell."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
