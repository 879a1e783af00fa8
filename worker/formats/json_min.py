"""JSON_MIN export: one flat record per annotation, like label-studio-converter's ``json_min``.

Each record is the task's data with ``id``, one key per control holding the simplified value
(a single choice or text as a string, else the list of region values), and the annotation's
``annotator``, ``annotation_id``, ``created_at``, ``updated_at`` and ``lead_time``.
"""
from ._common import annotation_items, buffered, meta, prettify, to_json

NAME = "JSON_MIN"
EXT = "json"
MIMETYPE = "application/json"


def check(config):
    """Every labeling config can be exported as JSON_MIN."""


def record(item):
    """The flat JSON_MIN record for one annotation item."""
    rec = dict(item.task.get("data") or {})
    if item.task.get("id") is not None:
        rec["id"] = item.task["id"]
    for name, values in item.outputs.items():
        rec[name] = prettify(values)
    rec.update(meta(item, int_id=True))
    if "agreement" in item.task:
        rec["agreement"] = item.task["agreement"]
    return rec


def write(tasks, config, project):
    """Stream a JSON array of records, one task at a time."""
    check(config)
    return buffered(_chunks(tasks, config))


def _chunks(tasks, config):
    first = True
    yield b"[\n"
    for task in tasks:
        for item in annotation_items(task, config):
            yield (b"" if first else b",\n") + to_json(record(item), indent=2).encode()
            first = False
    yield b"\n]"
