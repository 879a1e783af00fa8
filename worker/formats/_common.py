"""Helpers shared by the export writers.

They follow label-studio-converter's reading of a task: every annotation that was not cancelled
becomes one "item" (newest first), a task with no annotations at all becomes one item with no
results, and a task whose annotations were all cancelled becomes none.
"""
import json
import os
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import zipstream
from defusedxml import ElementTree as SafeET

from ..errors import ValidationError

#: Bytes gathered before a chunk is handed to the response; small writes make slow responses.
CHUNK_SIZE = 64 * 1024

#: Longest file stem in an archive: 255 bytes a name on most file systems, less ".txt"/".xml".
MAX_STEM = 251

#: Annotation metadata columns, in label-studio-converter's order.
META_KEYS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")

#: Controls whose regions are boxes or polygons on an image, by export family.
BOX_CONTROLS = {"RectangleLabels", "Rectangle", "Labels"}
SHAPE_CONTROLS = BOX_CONTROLS | {"PolygonLabels", "Polygon"}

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass
class Item:
    """One annotation of a task, or the bare task when it has none."""

    task: dict
    annotation: dict
    outputs: dict = field(default_factory=dict)  # from_name -> [value dicts with "type"]


def annotation_items(task, config):
    """Yield an ``Item`` per usable annotation of ``task``, newest first (as the converter does)."""
    annotations = task.get("annotations") or []
    if not annotations:
        yield Item(task, {}, {})
        return
    kept = [a for a in annotations if not (a.get("was_cancelled") or a.get("skipped"))]
    kept.sort(key=lambda a: str(a.get("created_at") or ""), reverse=True)
    for annotation in kept:
        yield Item(task, annotation, outputs_of(annotation, config))


def outputs_of(annotation, config):
    """Group an annotation's regions by control, each value tagged with its control's tag name.

    Regions of controls the config does not name are left out, like the converter does.
    """
    outputs = defaultdict(list)
    for region in annotation.get("result") or []:
        control = config.controls.get(region.get("from_name"))
        if control is None or not isinstance(region.get("value"), dict):
            continue
        value = dict(region["value"], type=control.tag)
        for key in ("original_width", "original_height"):
            if key in region:
                value[key] = region[key]
        outputs[control.name].append(value)
    return dict(outputs)


def prettify(values):
    """The converter's simplified value: a single choice or text as a string, else the region list."""
    out, tag = [], None
    for value in values:
        region = dict(value)
        tag = region.pop("type")
        if tag == "Choices" and len(region.get("choices") or []) == 1:
            out.append(region["choices"][0])
        elif tag == "TextArea" and len(region.get("text") or []) == 1:
            out.append(region["text"][0])
        else:
            out.append(region)
    return out[0] if tag in ("Choices", "TextArea") and len(out) == 1 else out


def annotator(completed_by, default=None, int_id=False):
    """The annotator as the converter writes it: an email for user dicts, else the id."""
    if isinstance(completed_by, dict):
        return completed_by.get("email", default)
    if isinstance(completed_by, int) and int_id:
        return completed_by
    return str(completed_by)


def meta(item, int_id=False):
    """The annotation metadata columns of ``item``."""
    ann = item.annotation
    return {
        "annotator": annotator(ann.get("completed_by", {}), int_id=int_id),
        "annotation_id": ann.get("id"),
        "created_at": ann.get("created_at"),
        "updated_at": ann.get("updated_at"),
        "lead_time": ann.get("lead_time"),
    }


def primary_annotation(task):
    """The one annotation exported for a task in one-file-per-image formats, or None.

    The converter writes a file per annotation and lets later ones overwrite earlier ones;
    we pick deliberately instead: a ground-truth annotation, else the most recently updated one.
    """
    kept = [a for a in task.get("annotations") or [] if not (a.get("was_cancelled") or a.get("skipped"))]
    if not kept:
        return None
    return max(kept, key=lambda a: (bool(a.get("ground_truth")),
                                    str(a.get("updated_at") or a.get("created_at") or "")))


def shape_regions(annotation, controls):
    """Values of an annotation's regions drawn with ``controls``, with the image size merged in."""
    for region in (annotation or {}).get("result") or []:
        if region.get("from_name") in controls and isinstance(region.get("value"), dict):
            value = dict(region["value"])
            for key in ("original_width", "original_height"):
                if key in region:
                    value[key] = region[key]
            yield value


def region_labels(value):
    """The label names on a region value (rectanglelabels, polygonlabels or labels)."""
    for key in ("rectanglelabels", "polygonlabels", "labels"):
        if value.get(key):
            return list(value[key])
    return []


def bound_controls(config, control_tags, object_tags=("Image",)):
    """Names of controls with a tag in ``control_tags`` that point at an object in ``object_tags``."""
    return [c.name for c in config.controls.values()
            if c.tag in control_tags and any(config.objects[n].tag in object_tags for n in c.to_names)]


def require_shapes(config, fmt, shape_tags):
    """Raise ``ValidationError`` unless the config labels shapes of ``shape_tags`` on an Image.

    A labelled shape is a ``<Shape>Labels`` control, or a plain shape with ``Labels`` beside it.
    """
    tags = {config.controls[n].tag for n in bound_controls(config, SHAPE_CONTROLS)}
    labelled = {t + "Labels" for t in shape_tags}
    if tags & labelled or (tags & set(shape_tags) and "Labels" in tags):
        return
    wanted = " or ".join(sorted(labelled))
    raise ValidationError(f"{fmt} export needs an <Image> labelled with {wanted}")


def image_key(config, controls):
    """The task data field holding the image the ``controls`` draw on."""
    for name in controls:
        for target in config.controls[name].to_names:
            if config.objects[target].tag == "Image":
                return config.objects[target].value
    return None


def categories(project, config, controls):
    """COCO/YOLO categories ``[{"id", "name"}]`` for the labels of ``controls``.

    As label-studio-converter does: a label's ``category`` attribute fixes its id, the other
    labels take the free ids in sorted name order, so class ids agree with Label Studio's.
    """
    labels = control_labels(project, config, controls)
    fixed = {label: int(cat) for label, cat in labels.items() if cat is not None and str(cat).isdigit()}
    cats = [{"id": cat, "name": label} for label, cat in fixed.items()]
    free = (i for i in range(len(labels) + len(fixed) + 1) if i not in fixed.values())
    cats += [{"id": next(free), "name": label} for label in sorted(set(labels) - set(fixed))]
    return cats


def control_labels(project, config, controls):
    """``{label: category attribute or None}`` for the labels of ``controls``.

    Read from the project's XML, which keeps the attributes the parsed config drops; a label
    is named by its alias when it has one, as in results.
    """
    xml = (project or {}).get("label_config")
    if not xml:
        return {label: None for name in controls for label in sorted(config.controls[name].labels)}
    root = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    found = {}
    for el in root.iter():
        if el.get("name") in controls:
            for child in el.iter():
                if child.tag == "Label" and (child.get("alias") or child.get("value")):
                    found.setdefault(child.get("alias") or child.get("value"), child.get("category"))
    return found


def image_basename(path):
    """The file name in an image reference: an upload path, a URL, or a local-files ``?d=`` URL."""
    text = str(path or "")
    parts = urlsplit(text)
    query_file = parse_qs(parts.query).get("d")
    return posixpath.basename(unquote(query_file[0] if query_file else parts.path or text))


def image_stem(path, task_id):
    """A file stem, safe inside an archive, for the image at ``path``; ``task_<id>`` if it has none."""
    stem = _UNSAFE_NAME.sub("_", os.path.splitext(image_basename(path))[0]).lstrip(".")
    return stem.encode()[:MAX_STEM].decode(errors="ignore") or f"task_{task_id}"


class StemNames:
    """Hands out unique archive stems: two tasks showing ``a.jpg`` get ``a`` and ``a_<task id>``."""

    def __init__(self):
        self._used = set()

    def take(self, path, task_id):
        stem = image_stem(path, task_id)
        if stem in self._used:
            stem = f"{stem[:MAX_STEM - 12]}_{task_id}"
        self._used.add(stem)
        return stem


def zip_chunks(entries, compress=True):
    """Stream a zip of ``entries`` (an iterator of ``(arcname, bytes)``) as it is produced.

    Each entry is encoded as soon as it arrives; only the central directory is kept.
    """
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_DEFLATED if compress else zipstream.ZIP_STORED)
    for arcname, data in entries:
        archive.add(data, arcname)
        yield from archive.all_files()
    yield from archive.finalize()


def buffered(chunks, size=CHUNK_SIZE):
    """Join small byte chunks into ones of about ``size`` bytes."""
    pending, length = [], 0
    for chunk in chunks:
        if not chunk:
            continue
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(pending)
            pending, length = [], 0
    if pending:
        yield b"".join(pending)


def to_json(value, **kw):
    """``json.dumps`` that keeps unicode and turns dates and other objects into strings."""
    return json.dumps(value, ensure_ascii=False, default=str, **kw)
