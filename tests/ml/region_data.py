"""Synthetic shapes with their truth for the region tests and ``bench/regions_bench.py``: images
drawn by ``labelart synth images`` (``--polygons --keypoints``) and the truth read back from
each task's ground-truth annotation and meta."""
import numpy as np

from ml_backend import geometry

LABELS = ("circle", "square", "triangle")
#: A click (smart key point) and a rough box as prompts, polygons as the answer.
CLICK_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <KeyPointLabels name="click" toName="image" smart="true">
    <Label value="circle"/><Label value="square"/><Label value="triangle"/>
  </KeyPointLabels>
  <PolygonLabels name="outline" toName="image">
    <Label value="circle"/><Label value="square"/><Label value="triangle"/>
  </PolygonLabels>
</View>
"""


def make_shapes(out, count, size=128, seed=0, start=0):
    """``count`` images (``size`` px) of 1-4 shapes with boxes, polygons and key points; task ids
    1..count. Returns {"dir", "config", "tasks", "image": task -> RGB array}."""
    from PIL import Image

    from worker.synth import images

    (out / "images").mkdir(parents=True, exist_ok=True)
    tasks = []
    for i in range(start, start + count):
        task = images.make_task(seed, i, out, size=size, polygons=True, keypoints=True)
        task["id"] = i + 1
        tasks.append(task)
    return {"dir": out, "config": images.label_config(polygons=True, keypoints=True), "tasks": tasks,
            "image": lambda task: np.asarray(Image.open(out / task["data"]["image"]).convert("RGB"))}


def _regions(task, kind):
    return [r for r in task["annotations"][0]["result"] if r["type"] == kind]


def truth_boxes(tasks):
    """Per task, [(label index, (x0, y0, x1, y1) in 0..1)]."""
    return [[(LABELS.index(r["value"]["rectanglelabels"][0]), geometry.rectangle_box(r["value"]))
             for r in _regions(t, "rectanglelabels")] for t in tasks]


def truth_masks(tasks, size):
    """Per task, [(label index, mask size x size)] of the true (whole, amodal) outlines."""
    return [[(LABELS.index(r["value"]["polygonlabels"][0]), geometry.fill(geometry.polygon_points(r["value"]),
                                                                           size, size))
             for r in _regions(t, "polygonlabels")] for t in tasks]


def truth_points(tasks):
    """Per task, [(label index, (x, y) in 0..1)]."""
    return [[(LABELS.index(r["value"]["keypointlabels"][0]), (r["value"]["x"] / 100, r["value"]["y"] / 100))
             for r in _regions(t, "keypointlabels")] for t in tasks]


def visible_mask(image, shape):
    """The pixels that show ``shape`` (drawn flat in its own colour, unlike anything else)."""
    return np.all(image == np.asarray(shape["colour"], np.uint8), axis=2).astype(np.uint8)


def click_point(mask):
    """Where a person clicks: the visible pixel farthest from the shape's visible edge."""
    import cv2

    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return x + 0.5, y + 0.5


def as_ellipses(tasks, size):
    """Copies of ``tasks`` whose polygons are replaced by the ellipses fitted to them (type
    ``ellipselabels``, same control name), for training and checking ellipse models."""
    out = []
    for task in tasks:
        result = []
        for r in task["annotations"][0]["result"]:
            if r["type"] == "polygonlabels":
                mask = geometry.fill(geometry.polygon_points(r["value"]), size, size)
                cx, cy, rx, ry, rotation = geometry.mask_ellipse(mask)
                r = {**r, "type": "ellipselabels", "value": {
                    "x": cx / size * 100, "y": cy / size * 100, "radiusX": rx / size * 100,
                    "radiusY": ry / size * 100, "rotation": rotation, "ellipselabels": r["value"]["polygonlabels"]}}
            result.append(r)
        out.append({**task, "annotations": [{**task["annotations"][0], "result": result}]})
    return out
