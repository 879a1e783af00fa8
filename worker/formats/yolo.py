"""YOLO export: a zip of ``labels/<image stem>.txt``, ``classes.txt`` and ``notes.json``.

Like label-studio-converter's YOLO: one line ``class cx cy w h`` per box, normalised to 0..1,
and for polygons a YOLO-segmentation line ``class x1 y1 x2 y2 ...``; a region with several
labels gives a line per label; a task without annotations gives an empty label file. Images
are not copied. Each task's ground-truth (else newest) annotation is exported, one file an
image; two tasks showing images with the same name get ``<stem>_<task id>.txt``.
"""
from datetime import datetime

from ._common import (SHAPE_CONTROLS, StemNames, bound_controls, categories, image_key,
                      primary_annotation, region_labels, require_shapes, shape_regions, to_json,
                      zip_chunks)

NAME = "YOLO"
EXT = "zip"
MIMETYPE = "application/zip"


def check(config):
    """Raise ``ValidationError`` unless the config labels rectangles or polygons on an image."""
    require_shapes(config, NAME, ("Rectangle", "Polygon"))


def write(tasks, config, project):
    """Stream the zip archive."""
    check(config)
    return zip_chunks(_entries(tasks, config, project))


def _entries(tasks, config, project):
    controls = bound_controls(config, SHAPE_CONTROLS)
    key = image_key(config, controls)
    cats = categories(project, config, controls)
    ids = {c["name"]: c["id"] for c in cats}
    names = StemNames()
    for task in tasks:
        stem = names.take((task.get("data") or {}).get(key), task.get("id"))
        lines = label_lines(shape_regions(primary_annotation(task), controls), ids, cats)
        yield f"labels/{stem}.txt", "".join(line + "\n" for line in lines).encode()
    # Written last: labels the config does not list (dynamic labels) join the classes on the way.
    yield "classes.txt", "".join(c["name"] + "\n" for c in sorted(cats, key=lambda c: c["id"])).encode()
    yield "notes.json", to_json({"categories": cats, "info": {
        "year": datetime.now().year, "version": "1.0", "contributor": "Label.Art"}}, indent=2).encode()


def label_lines(values, ids, cats):
    """YOLO lines for region values; unknown labels are added to ``ids``/``cats``."""
    lines = []
    for value in values:
        for label in region_labels(value):
            if label not in ids:
                ids[label] = max(ids.values(), default=-1) + 1
                cats.append({"id": ids[label], "name": label})
            coords = shape_coords(value)
            if coords:
                lines.append(" ".join(str(v) for v in [ids[label], *coords]))
    return lines


def shape_coords(value):
    """Normalised YOLO numbers for a box (``cx cy w h``) or polygon (``x1 y1 ...``), or None."""
    if "points" in value:
        return [c / 100 for point in value["points"] for c in point] or None
    try:
        x, y, w, h = (float(value[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return None
    return [(x + w / 2) / 100, (y + h / 2) / 100, w / 100, h / 100]
