"""The one exception tree of edgebench.

Every failure a user can cause or meet is one of these; the CLI maps them to exit codes in
one place (``bench.cli``) and prints the message, never a traceback::

    EdgebenchError                 base; exit_code 1
    ├── UsageError                 bad input; exit_code 2
    │   ├── SpecError              a file the user wrote (profile, manifest) is invalid
    │   ├── ModelNotFoundError     unknown suite model name
    │   ├── ModelFileError         missing, unreadable, not ONNX, truncated
    │   ├── InputError             --shape / --value / unset symbolic dimension
    │   └── ProfileNotFoundError   unknown device profile
    ├── RunError                   a run could not be carried out; exit_code 1
    ├── WriteError                 an output could not be written (disk full, I/O); exit 1
    └── IntegrityError             a report was changed after it was written; exit_code 1
        └── SignatureError         a report's signature is missing, wrong or another key's

Messages name the file, field or model and say what to do, in one or two lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EdgebenchError(Exception):
    """Base of every error edgebench raises on purpose."""

    exit_code = 1


class UsageError(EdgebenchError):
    """The user gave something that cannot work; fixing the input fixes it."""

    exit_code = 2


class SpecError(UsageError):
    """A YAML or JSON file the user wrote is invalid; the message names file and field."""


class ModelNotFoundError(UsageError):
    """A model name that is neither in the suite nor a path to an .onnx file."""


class ModelFileError(UsageError):
    """An ONNX file that is missing, unreadable, not ONNX or truncated."""


class InputError(UsageError):
    """A model input cannot be fed as asked (--shape, --value, symbolic dims)."""


class ProfileNotFoundError(UsageError):
    """A device profile name that is neither built in nor a path to a YAML file."""


class RunError(EdgebenchError):
    """A run could not be carried out (not the user's input)."""


class WriteError(EdgebenchError, OSError):
    """Writing an output failed after its path was checked (the disk filled, an I/O error);
    also an ``OSError``, so code that handles those keeps working."""


class IntegrityError(EdgebenchError):
    """A report's content no longer matches its content hash: it was changed after writing."""


class SignatureError(IntegrityError):
    """A report's signature is missing, does not match its content, or is another key's."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
