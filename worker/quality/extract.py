"""Turn Label Studio result lists into things that can be compared.

Each annotation's ``result`` becomes ``{from_name: Unit}``; a Unit has a ``kind`` that picks the
agreement measure (``worker.quality.pairs``):

  class     one categorical value per control (choices, taxonomy, rating, number, datetime,
            textarea, a chord named on an image) — kappa/alpha apply
  region    2-D shapes: rectangles, polygons, ellipses, keypoints — matched by IoU
  span      1-D intervals: text spans, audio/video/time-series regions — matched by overlap
  notes     piano-roll notes {start, end, pitch} — onset/pitch matching with mir_eval
  chords    chord segments {start, end, chordlabels} — mir_eval root / exact matching
  beats     beat times — mir_eval beat F-measure

Brush masks and relations are left out: comparing masks needs their RLE decoded per pixel,
which a project-wide report cannot afford; relations have no agreed-upon measure.
"""
import math

# Result types that are one categorical answer for the whole task.
CLASS_TYPES = {"choices", "taxonomy", "rating", "number", "datetime", "textarea", "fretboard", "pairwise"}
REGION_TYPES = {"rectanglelabels", "rectangle", "polygonlabels", "polygon", "ellipselabels", "ellipse",
                "keypointlabels", "keypoint"}
SPAN_TYPES = {"labels", "hypertextlabels", "paragraphlabels", "timeserieslabels"}
SKIPPED_TYPES = {"brushlabels", "brush", "bitmasklabels", "bitmask", "magicwand", "relation", "videorectangle"}
# A keypoint is compared as a small square this wide (percent of the image), so two clicks
# on the same point a few pixels apart still match.
KEYPOINT_SIZE = 2.0
# Ellipses become polygons with this many vertices: IoU error stays under 1%.
ELLIPSE_VERTICES = 32


class Unit:
    """One control's answer in one annotation: ``kind`` and ``items`` (a value or a list)."""

    __slots__ = ("kind", "items")

    def __init__(self, kind, items):
        self.kind, self.items = kind, items

    def __repr__(self):
        return f"Unit({self.kind!r}, {self.items!r})"


def _label(value, rtype):
    names = value.get(rtype) if rtype in value else None
    if names is None:
        for key in ("labels", "rectanglelabels", "polygonlabels", "ellipselabels", "keypointlabels",
                    "notelabels", "chordlabels"):
            if key in value:
                names = value[key]
                break
    if isinstance(names, list):
        return "|".join(sorted(str(n) for n in names))
    return "" if names is None else str(names)


def class_value(value, rtype):
    """A hashable categorical value: multi-choice answers compare as one set."""
    raw = value.get(rtype, value.get("choices", value.get("text", value.get("chord"))))
    if rtype == "textarea":
        texts = raw if isinstance(raw, list) else [raw]
        return " ".join(" ".join(str(t).split()).lower() for t in texts if t is not None)
    if isinstance(raw, list):
        flat = ["/".join(map(str, r)) if isinstance(r, list) else str(r) for r in raw]
        return "|".join(sorted(flat))
    return raw if isinstance(raw, (int, float, str)) else str(raw)


def _polygon(value, rtype):
    """Vertices in percent of the image, or None when the value has no usable geometry."""
    try:
        if "points" in value:
            pts = [(float(p[0]), float(p[1])) for p in value["points"]]
            return pts if len(pts) >= 3 else None
        x, y = float(value["x"]), float(value["y"])
        if rtype.startswith("ellipse"):
            rx, ry = float(value["radiusX"]), float(value["radiusY"])
            return [(x + rx * math.cos(2 * math.pi * i / ELLIPSE_VERTICES),
                     y + ry * math.sin(2 * math.pi * i / ELLIPSE_VERTICES)) for i in range(ELLIPSE_VERTICES)]
        if rtype.startswith("keypoint"):
            h = KEYPOINT_SIZE / 2
            return [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)]
        w, h = float(value["width"]), float(value["height"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    angle = math.radians(float(value.get("rotation") or 0))
    if not angle:
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    # Label Studio rotates around the top-left corner.
    c, s = math.cos(angle), math.sin(angle)
    return [(x + dx * c - dy * s, y + dx * s + dy * c) for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))]


def _interval(value):
    """(start, end) as numbers: text offsets, seconds, or paragraph index and offset linearised."""
    try:
        if "startOffset" in value and "start" in value and not _is_number(value["start"]):
            # HyperText: an XPath plus offsets; spans on different nodes never overlap.
            key = hash(str(value["start"])) % 1_000_003 * 1e7
            return key + float(value["startOffset"]), key + float(value["endOffset"])
        if "paragraphlabels" in value or ("startOffset" in value and "endOffset" in value):
            return (float(value["start"]) * 1e7 + float(value.get("startOffset", 0)),
                    float(value["end"]) * 1e7 + float(value.get("endOffset", 0)))
        start, end = float(value["start"]), float(value["end"])
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if end >= start else (end, start)


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def extract(result):
    """``{from_name: Unit}`` for one annotation's (or prediction's) result list.

    Unknown or malformed regions are dropped rather than failing the whole report: results
    were validated on the way in, and a report must not die on one odd row.
    """
    units = {}
    if not isinstance(result, list):
        return units
    for region in result:
        if not isinstance(region, dict):
            continue
        rtype, name, value = region.get("type"), region.get("from_name"), region.get("value")
        if not isinstance(value, dict) or not isinstance(name, str) or rtype in SKIPPED_TYPES:
            continue
        item = region_item(rtype, value)
        if item is None:
            continue
        kind, thing = item
        if kind == "class":
            # A per-region choice (it carries the region's id) is not a whole-task answer.
            if "x" in value or "start" in value or "points" in value:
                continue
            units[name] = Unit("class", thing)
        else:
            units.setdefault(name, Unit(kind, [])).items.append(thing)
    return units


def region_item(rtype, value):
    """(kind, comparable item) for one result region, or None when it is not compared."""
    if rtype in CLASS_TYPES:
        return "class", class_value(value, rtype)
    if rtype in REGION_TYPES:
        poly = _polygon(value, rtype)
        return None if poly is None else ("region", (_label(value, rtype), poly))
    if rtype == "notelabels" or (rtype == "labels" and "pitch" in value):
        span, pitch = _interval(value), value.get("pitch", value.get("midi"))
        return None if span is None or not _is_number(pitch) else ("notes", (span[0], span[1], float(pitch)))
    if rtype == "chordlabels":
        span = _interval(value)
        return None if span is None else ("chords", (span[0], span[1], _label(value, rtype) or "N"))
    if rtype == "beats":
        t = value.get("time", value.get("start"))
        return ("beats", float(t)) if _is_number(t) else None
    if rtype in SPAN_TYPES:
        span = _interval(value)
        return None if span is None else ("span", (_label(value, rtype), span[0], span[1]))
    return None
