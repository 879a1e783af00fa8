"""Pascal VOC export: a zip of ``Annotations/<image stem>.xml``, one file an image.

The XML follows label-studio-converter's VOC writer (folder, filename, source, owner, size,
segmented, an ``object`` with ``bndbox`` per box, pixel corners truncated to integers). It is
built with ElementTree, which escapes text; characters XML cannot carry at all are dropped.
Each task's ground-truth (else newest) annotation is exported; tasks without boxes, or whose
regions lack the image size, give no file, as in the converter. Images are not copied.
"""
import re
import xml.etree.ElementTree as ET

from ._common import (BOX_CONTROLS, StemNames, annotator, bound_controls, image_basename, image_key,
                      primary_annotation, region_labels, require_shapes, shape_regions, zip_chunks)

NAME = "VOC"
EXT = "zip"
MIMETYPE = "application/zip"

#: Characters outside XML 1.0's Char production; ElementTree would write them unescaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check(config):
    """Raise ``ValidationError`` unless the config labels rectangles on an image."""
    require_shapes(config, NAME, ("Rectangle",))


def write(tasks, config, project):
    """Stream the zip archive."""
    check(config)
    return zip_chunks(_entries(tasks, config))


def _entries(tasks, config):
    controls = bound_controls(config, BOX_CONTROLS)
    key = image_key(config, controls)
    names = StemNames()
    for task in tasks:
        annotation = primary_annotation(task)
        boxes = [v for v in shape_regions(annotation, controls) if region_labels(v) and "x" in v]
        sized = next((b for b in boxes if b.get("original_width") and b.get("original_height")), None)
        if sized is None:
            continue
        path = (task.get("data") or {}).get(key)
        root = document(image_basename(path), annotation, sized, boxes)
        ET.indent(root)
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        yield f"Annotations/{names.take(path, task.get('id'))}.xml", body


def document(filename, annotation, sized, boxes):
    """The ``<annotation>`` element for one image."""
    width, height = sized["original_width"], sized["original_height"]
    root = ET.Element("annotation")
    _child(root, "folder", "images")
    _child(root, "filename", filename)
    source = _child(root, "source")
    for tag, text in (("database", "MyDatabase"), ("annotation", "COCO2017"), ("image", "flickr"),
                      ("flickrid", "NULL"), ("annotator", annotator(annotation.get("completed_by", {}), ""))):
        _child(source, tag, text)
    owner = _child(root, "owner")
    _child(owner, "flickrid", "NULL")
    _child(owner, "name", "Label.Art")
    size = _child(root, "size")
    for tag, text in (("width", width), ("height", height), ("depth", 3)):
        _child(size, tag, text)
    _child(root, "segmented", "0")
    for box in boxes:
        root.append(box_object(box, width, height))
    return root


def box_object(box, width, height):
    """An ``<object>`` with its ``<bndbox>`` in whole pixels, as the converter computes them."""
    x, y = int(box["x"] / 100 * width), int(box["y"] / 100 * height)
    w, h = int(box["width"] / 100 * width), int(box["height"] / 100 * height)
    obj = ET.Element("object")
    for tag, text in (("name", region_labels(box)[0]), ("pose", "Unspecified"),
                      ("truncated", "0"), ("difficult", "0")):
        _child(obj, tag, text)
    bndbox = _child(obj, "bndbox")
    for tag, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
        _child(bndbox, tag, value)
    return obj


def _child(parent, tag, text=None):
    """Append ``<tag>text</tag>``; the text is made XML-safe."""
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = _NOT_XML.sub("", str(text))
    return el
