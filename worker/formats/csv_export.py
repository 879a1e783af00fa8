"""CSV export: one row per annotation, like label-studio-converter's CSV.

Columns: the task's data fields, ``id``, one column per control, then the annotation's
``annotator``, ``annotation_id``, ``created_at``, ``updated_at`` and ``lead_time``. A control's
cell is the simplified value when it is a string (one choice, one text) and JSON otherwise;
data values that are lists or dicts are JSON too. Strings are quoted, numbers are not
(``csv.QUOTE_NONNUMERIC``, as the converter writes). A task with no annotations gives one row
with empty control cells; cancelled annotations give none.

The converter reads its input twice to learn every data key before writing the header. A
stream cannot, so the data columns are those of the config and of the first task, in that
task's order (``project["data_columns"]``, when the caller knows them, overrides this);
data keys that only later tasks carry are left out.
"""
import csv
import io
import itertools

from ._common import META_KEYS, annotation_items, buffered, meta, prettify, to_json
from ..labeling import tags as T

NAME = "CSV"
EXT = "csv"
MIMETYPE = "text/csv"
DELIMITER = ","


def check(config):
    """Every labeling config can be exported as CSV."""


def columns(first_task, config, project):
    """The header: data columns, ``id``, control columns, annotation metadata."""
    data = list((project or {}).get("data_columns") or [])
    if not data:
        data = list((first_task or {}).get("data") or {})
        data += [f for f in config.data_fields if f not in data]
    controls = [c.name for c in config.controls.values() if c.tag not in T.FREE_CONTROL_TAGS]
    return [c for c in data if c != "id"] + ["id"] + controls + list(META_KEYS)


def row(item):
    """The CSV row (a dict) for one annotation item."""
    rec = {}
    for key, value in (item.task.get("data") or {}).items():
        rec[key] = to_json(value, separators=(",", ":")) if isinstance(value, (dict, list)) else value
    rec["id"] = item.task.get("id")
    for name, values in item.outputs.items():
        pretty = prettify(values)
        rec[name] = pretty if isinstance(pretty, str) else to_json(pretty, separators=(",", ":"))
    rec.update(meta(item))
    return rec


def write(tasks, config, project, delimiter=DELIMITER):
    """Stream the table, a header then one row per annotation."""
    check(config)
    return buffered(_chunks(iter(tasks), config, project, delimiter))


def _chunks(tasks, config, project, delimiter):
    first = next(tasks, None)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(first, config, project), delimiter=delimiter,
                            quoting=csv.QUOTE_NONNUMERIC, extrasaction="ignore")
    writer.writeheader()
    if first is not None:
        for task in itertools.chain([first], tasks):
            for item in annotation_items(task, config):
                writer.writerow(row(item))
            yield _drain(out)
    yield _drain(out)


def _drain(out):
    """Take what the csv writer has written so far, as bytes."""
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text.encode()
