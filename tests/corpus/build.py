"""Fetch or build every corpus file into the cache and list them:

    python -m tests.corpus.build            # all of them, into <cache>/corpus/
    python -m tests.corpus.build logreg_iris torch_decoder

A file whose producer is not installed is listed as skipped, with the pip line that brings
it. The folder is ``$EDGEBENCH_CACHE_DIR/corpus`` (default: edgebench's user cache).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings
from pathlib import Path

from bench.files import file_sha256
from bench.zoo.cache import cache_dir
from tests.corpus.catalog import ENTRIES, Entry, Unavailable


def folder() -> Path:
    path = cache_dir() / "corpus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def make(entry: Entry) -> Path:
    """The entry's file, made once (the producers' own chatter silenced)."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            return entry.make(folder())
        finally:
            logging.disable(logging.NOTSET)


def main(names: list[str]) -> int:
    chosen = [e for e in ENTRIES if not names or e.name in names]
    for entry in chosen:
        try:
            path = make(entry)
        except Unavailable as exc:
            print(f"{entry.name:<22} skipped: {exc}")
            continue
        print(f"{entry.name:<22} {file_sha256(path)[:12]}  {path.stat().st_size:>10,}  "
              f"{entry.producer}  ->  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
