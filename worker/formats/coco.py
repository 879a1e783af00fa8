"""COCO export: images, categories and box/polygon annotations (label-studio-converter's shape).

Boxes and polygons come in percent of the image; they are turned into pixels with the
region's ``original_width``/``original_height``. A rotated box is exported as the upright box
around it, as the converter does. ``file_name`` is the task's image reference (media is not
copied). Unlike the converter, which adds an image entry per annotation, each task is one
image holding its ground-truth (else newest) annotation, so no image is listed twice.

Images stream out as tasks arrive; annotation entries wait in a temporary file (not memory)
until the images are done, since COCO lists them after the categories.
"""
import math
import tempfile
from datetime import datetime

from ._common import (SHAPE_CONTROLS, bound_controls, buffered, categories, image_key,
                      primary_annotation, region_labels, require_shapes, shape_regions, to_json)

NAME = "COCO"
EXT = "json"
MIMETYPE = "application/json"

#: Spooled annotation entries stay in memory up to this size, then move to disk.
SPOOL_BYTES = 4 * 1024 * 1024


def check(config):
    """Raise ``ValidationError`` unless the config labels rectangles or polygons on an image."""
    require_shapes(config, NAME, ("Rectangle", "Polygon"))


def write(tasks, config, project):
    """Stream the COCO JSON document."""
    check(config)
    return buffered(_chunks(tasks, config, project))


def _chunks(tasks, config, project):
    controls = bound_controls(config, SHAPE_CONTROLS)
    key = image_key(config, controls)
    cats = categories(project, config, controls)
    ids = {c["name"]: c["id"] for c in cats}
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        yield b'{\n"images": ['
        count = 0
        for image_id, task in enumerate(tasks):
            image, entries = task_entries(task, image_id, key, controls, ids, cats, count)
            yield (b",\n" if image_id else b"\n") + to_json(image).encode()
            for entry in entries:
                spool.write((b",\n" if count else b"\n") + to_json(entry).encode())
                count += 1
        yield b'\n],\n"categories": ' + to_json(cats).encode() + b',\n"annotations": ['
        spool.seek(0)
        yield from iter(lambda: spool.read(1024 * 1024), b"")
        yield b'\n],\n"info": ' + to_json(info()).encode() + b"\n}\n"


def info():
    """The COCO ``info`` block."""
    now = datetime.now()
    return {"year": now.year, "version": "1.0", "description": "", "contributor": "Label.Art",
            "url": "", "date_created": str(now)}


def task_entries(task, image_id, key, controls, ids, cats, first_id):
    """The image entry and annotation entries of one task.

    A label the config does not list (dynamic labels) gets a new category, as in the converter.
    """
    values = list(shape_regions(primary_annotation(task), controls))
    sized = next((v for v in values if v.get("original_width") and v.get("original_height")), {})
    width, height = sized.get("original_width"), sized.get("original_height")
    image = {"width": width, "height": height, "id": image_id,
             "file_name": (task.get("data") or {}).get(key)}
    entries = []
    for value in values:
        labels = region_labels(value)
        if not labels or not width:
            continue
        if labels[0] not in ids:
            ids[labels[0]] = max(ids.values(), default=-1) + 1
            cats.append({"id": ids[labels[0]], "name": labels[0]})
        entry = shape_entry(value, width, height)
        if entry is not None:
            entries.append({"id": first_id + len(entries), "image_id": image_id,
                            "category_id": ids[labels[0]], **entry})
    return image, entries


def shape_entry(value, width, height):
    """``segmentation``/``bbox``/``area`` in pixels for a box or polygon value, or None."""
    if "points" in value:
        points = [(px / 100 * width, py / 100 * height) for px, py in value["points"]]
        if not points:
            return None
        xs, ys = zip(*points)
        bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
        return {"segmentation": [[c for point in points for c in point]], "bbox": bbox,
                "ignore": 0, "iscrowd": 0, "area": polygon_area(xs, ys)}
    box = upright_box(value)
    if box is None:
        return None
    x, y, w, h = box[0] * width / 100, box[1] * height / 100, box[2] * width / 100, box[3] * height / 100
    return {"segmentation": [], "bbox": [x, y, w, h], "ignore": 0, "iscrowd": 0, "area": w * h}


def polygon_area(xs, ys):
    """Shoelace area of a polygon."""
    n = len(xs)
    return abs(sum(xs[i] * ys[i - 1] - ys[i] * xs[i - 1] for i in range(n))) / 2


def upright_box(value):
    """``(x, y, w, h)`` in percent of the upright box around a (possibly rotated) rectangle.

    Label Studio stores a rotated box by its top-left corner before rotation and turns it
    about that corner; the converter's geometry is kept so exports agree with Label Studio's.
    """
    try:
        x, y, w, h = (float(value[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return None
    rotation = float(value.get("rotation") or 0)
    if not rotation or not w:
        return x, y, w, h
    alpha, beta = math.atan(h / w), math.radians(rotation)
    radius = math.hypot(w / 2, h / 2)
    cx = x - radius * (math.cos(math.pi - alpha - beta) - math.cos(math.pi - alpha)) + w / 2
    cy = y + radius * (math.sin(math.pi - alpha - beta) - math.sin(math.pi - alpha)) + h / 2
    angles = (alpha + beta, math.pi - alpha + beta, math.pi + alpha + beta, 2 * math.pi - alpha + beta)
    xs = [cx + radius * math.cos(t) for t in angles]
    ys = [cy + radius * math.sin(t) for t in angles]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
