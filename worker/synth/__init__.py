"""Labeled demo data made from nothing: shapes in images, tones and chords in audio, text tasks.

Every generator is deterministic for a given seed (one ``numpy.random.Generator`` per item,
derived from the seed and the item's index, so item 7 is the same whether 10 or 10,000 are made).
The truth is written in Label Studio's import format (``tasks.json`` + ``label_config.xml``),
so the output can be imported into a project as-is and used to test models, exports and metrics.
"""
import json
from pathlib import Path

import numpy as np
import orjson

#: Tasks written per progress-bar update by the streaming writers.
PROGRESS_EVERY = 1000


def item_rng(seed, index):
    """The random generator for item ``index`` of a run seeded with ``seed``."""
    return np.random.default_rng([int(seed), int(index)])


def result_id(index, n):
    """Stable region ids: Label Studio only needs them unique within a task."""
    return f"t{index}r{n}"


def write_json(path, obj):
    """Write ``obj`` as indented JSON (small files meant to be read by people too)."""
    Path(path).write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")


def media_url(prefix, relative):
    """The task's data value: ``relative`` as-is, or joined to ``prefix`` (e.g. ``/data/upload/3/``)."""
    if not prefix:
        return relative
    return prefix.rstrip("/") + "/" + relative


class JsonListWriter:
    """Write a JSON list one item at a time, to a temporary file renamed into place on success.

    Memory stays flat however many items are written, and a failed run leaves no half file
    behind (the old file, if any, is untouched).
    """

    def __init__(self, path):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".part")
        self.count = 0
        self._fh = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.tmp, "wb")
        self._fh.write(b"[")
        return self

    def write(self, item):
        self._fh.write(b"\n" if self.count == 0 else b",\n")
        self._fh.write(orjson.dumps(item, option=orjson.OPT_SERIALIZE_NUMPY))
        self.count += 1

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._fh.write(b"\n]\n")
        self._fh.close()
        if exc_type is None:
            self.tmp.replace(self.path)
        else:
            self.tmp.unlink(missing_ok=True)
        return False
