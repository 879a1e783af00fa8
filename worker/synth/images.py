"""Images of coloured shapes (circle, square, triangle) with their truth in Label Studio JSON.

Each shape is drawn flat in a colour far from the background and from the other shapes, so
its visible pixels can be found again by colour. Boxes are measured from the rasterised shape
itself (amodal: a shape partly hidden by a later one keeps its full box), so they are exact
to the pixel. Shapes hidden for more than half by later ones are moved until they are not.
"""
import math

import numpy as np
from PIL import Image, ImageDraw

from . import item_rng, media_url, result_id

SHAPES = ("circle", "square", "triangle")
BACKGROUNDS = ("solid", "gradient", "noise")
#: Colours used in the label config (one per class, as Label Studio shows them).
LABEL_COLOURS = {"circle": "#e6194b", "square": "#3cb44b", "triangle": "#4363d8"}
#: Every shape colour is at least this far (max over channels) from every background pixel.
MIN_BACKGROUND_DISTANCE = 48
#: ... and at least this far from the colours of the other shapes in the image.
MIN_SHAPE_DISTANCE = 64
#: A shape must keep at least this fraction of its pixels visible after later shapes are drawn.
MIN_VISIBLE = 0.5
#: Chance that a shape is placed over an earlier one rather than anywhere.
OVERLAP_CHANCE = 0.35
#: Points used to describe a circle as a polygon.
CIRCLE_POINTS = 24


def label_config(task="detect", polygons=False, keypoints=False):
    """The Label Studio labeling config matching what ``make_task`` writes."""
    if task == "classify":
        choices = "".join(f'\n    <Choice value="{s}"/>' for s in SHAPES)
        return ('<View>\n  <Image name="image" value="$image"/>\n'
                f'  <Choices name="shape" toName="image" choice="single" showInline="true">{choices}\n'
                '  </Choices>\n</View>\n')
    labels = "".join(f'\n    <Label value="{s}" background="{c}"/>' for s, c in LABEL_COLOURS.items())
    parts = ['<View>', '  <Image name="image" value="$image" zoom="true"/>',
             f'  <RectangleLabels name="label" toName="image">{labels}\n  </RectangleLabels>']
    if polygons:
        parts.append(f'  <PolygonLabels name="polygon" toName="image">{labels}\n  </PolygonLabels>')
    if keypoints:
        parts.append(f'  <KeyPointLabels name="keypoint" toName="image">{labels}\n  </KeyPointLabels>')
    parts.append('</View>\n')
    return "\n".join(parts)


def make_background(rng, size):
    """An ``size`` x ``size`` RGB array and its kind: flat colour, gradient or heavy noise."""
    kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    base = rng.uniform(0, 255, 3)
    if kind == "gradient":
        # Kept near the base so shape colours far from every pixel still exist.
        other = np.clip(base + rng.uniform(-80, 80, 3), 0, 255)
        ramp = np.linspace(0.0, 1.0, size)[:, None]
        angle = rng.uniform(0, 2 * math.pi)
        t = np.clip(0.5 + (ramp - 0.5) * math.cos(angle) + (ramp.T - 0.5) * math.sin(angle), 0, 1)
        img = base * (1 - t[..., None]) + other * t[..., None]
        sigma = 4.0
    else:
        img = np.broadcast_to(base, (size, size, 3)).astype(float)
        sigma = 4.0 if kind == "solid" else 14.0
    img = img + np.clip(rng.normal(0, sigma, img.shape), -3 * sigma, 3 * sigma)
    return np.clip(img, 0, 255).astype(np.uint8), kind


def pick_colour(rng, background, taken):
    """A saturated colour far from every background pixel and from ``taken``; None if none found."""
    pixels = background.reshape(-1, 3).astype(np.int16)
    lo, hi = pixels.min(axis=0), pixels.max(axis=0)
    for _ in range(200):
        colour = rng.integers(0, 256, 3)
        colour[rng.integers(3)] = rng.choice([rng.integers(0, 40), rng.integers(215, 256)])
        # Distance to the nearest background pixel is at least the distance to the colour box.
        gap = np.maximum(np.maximum(lo - colour, colour - hi), 0).max()
        if gap < MIN_BACKGROUND_DISTANCE:
            continue
        if all(np.abs(colour - np.asarray(t)).max() >= MIN_SHAPE_DISTANCE for t in taken):
            return [int(c) for c in colour]
    return None


def outline(label, side, angle):
    """Vertices (x, y) of ``label`` centred on the origin; ``side`` is the bounding size."""
    if label == "circle":
        steps = np.arange(CIRCLE_POINTS) * 2 * math.pi / CIRCLE_POINTS
        return np.stack([np.cos(steps), np.sin(steps)], axis=1) * side / 2
    if label == "square":
        base = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * side / 2
    else:
        steps = np.array([-90, 30, 150]) * math.pi / 180
        base = np.stack([np.cos(steps), np.sin(steps)], axis=1) * side / 2
    c, s = math.cos(angle), math.sin(angle)
    return base @ np.array([[c, s], [-s, c]])


def rasterise(label, centre, side, points, size):
    """The shape's pixel mask (bool, size x size) as Pillow draws it."""
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    if label == "circle":
        r = side / 2
        draw.ellipse([centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r], fill=255)
    else:
        draw.polygon([tuple(p) for p in points], fill=255)
    return np.asarray(layer) > 0


def place(rng, label, side, size, placed):
    """Choose a centre so the shape lies inside the image, often over an earlier shape."""
    angle = 0.0 if label == "circle" else float(rng.uniform(0, 2 * math.pi))
    rel = outline(label, side, angle)
    lo, hi = -rel.min(axis=0) + 1, size - 2 - rel.max(axis=0)
    if placed and rng.random() < OVERLAP_CHANCE:
        other = placed[rng.integers(len(placed))]
        centre = np.asarray(other["centre"]) + rng.uniform(-0.6, 0.6, 2) * (side + other["side"]) / 2
        centre = np.clip(centre, lo, hi)
    else:
        centre = rng.uniform(lo, hi)
    return centre, rel + centre, angle


def draw_shapes(rng, background, count, min_side, max_side):
    """Draw up to ``count`` shapes; return the image array and one dict per shape, bottom first."""
    size = background.shape[0]
    img = background.copy()
    owner = np.full((size, size), -1, np.int16)
    shapes = []
    for _ in range(count):
        colour = pick_colour(rng, background, [s["colour"] for s in shapes])
        if colour is None:
            break
        label = SHAPES[rng.integers(len(SHAPES))]
        for _attempt in range(20):
            side = float(rng.uniform(min_side, max_side)) * size
            centre, points, angle = place(rng, label, side, size, shapes)
            mask = rasterise(label, centre, side, points, size)
            after = np.where(mask, len(shapes), owner)
            if all((after == i).sum() >= MIN_VISIBLE * s["area"] for i, s in enumerate(shapes)):
                break
        else:
            continue
        owner = after
        img[mask] = colour
        ys, xs = np.nonzero(mask)
        shapes.append({"label": label, "colour": colour, "centre": centre.tolist(), "side": side,
                       "rotation": round(math.degrees(angle), 3), "area": int(mask.sum()),
                       "bbox": [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1],
                       "points": points.tolist()})
    for i, shape in enumerate(shapes):
        shape["visible"] = round(float((owner == i).sum()) / shape["area"], 4)
    return img, shapes


def regions(index, shapes, size, polygons=False, keypoints=False):
    """Label Studio result regions (percent coordinates) for ``shapes``."""
    pct = 100.0 / size
    common = {"to_name": "image", "original_width": size, "original_height": size, "image_rotation": 0}
    out = []
    for n, shape in enumerate(shapes):
        x0, y0, x1, y1 = shape["bbox"]
        out.append({"id": result_id(index, n), "from_name": "label", "type": "rectanglelabels", **common,
                    "value": {"x": round(x0 * pct, 4), "y": round(y0 * pct, 4),
                              "width": round((x1 - x0) * pct, 4), "height": round((y1 - y0) * pct, 4),
                              "rotation": 0, "rectanglelabels": [shape["label"]]}})
        if polygons:
            pts = [[round(min(max(x * pct, 0.0), 100.0), 4), round(min(max(y * pct, 0.0), 100.0), 4)]
                   for x, y in shape["points"]]
            out.append({"id": result_id(index, n) + "p", "from_name": "polygon", "type": "polygonlabels",
                        **common, "value": {"points": pts, "closed": True, "polygonlabels": [shape["label"]]}})
        if keypoints:
            cx, cy = np.mean(shape["points"], axis=0)
            out.append({"id": result_id(index, n) + "k", "from_name": "keypoint", "type": "keypointlabels",
                        **common, "value": {"x": round(cx * pct, 4), "y": round(cy * pct, 4), "width": 1.0,
                                            "keypointlabels": [shape["label"]]}})
    return out


def make_task(seed, index, out_dir, size=256, task="detect", polygons=False, keypoints=False,
              url_prefix="", max_shapes=4):
    """Draw image ``index``, save it under ``out_dir/images`` and return its Label Studio task."""
    rng = item_rng(seed, index)
    shapes = []
    while not shapes:  # a background leaving no distinct colour is drawn again
        background, kind = make_background(rng, size)
        if task == "classify":
            img, shapes = draw_shapes(rng, background, 1, 0.3, 0.6)
        else:
            img, shapes = draw_shapes(rng, background, int(rng.integers(1, max_shapes + 1)), 0.12, 0.42)
    if task == "classify":
        result = [{"id": result_id(index, 0), "from_name": "shape", "to_name": "image", "type": "choices",
                   "value": {"choices": [shapes[0]["label"]]}}]
    else:
        result = regions(index, shapes, size, polygons, keypoints)
    name = f"images/{index:06d}.png"
    Image.fromarray(img, "RGB").save(out_dir / name, optimize=False, compress_level=1)
    meta = {"background": kind, "seed": seed, "index": index, "width": size, "height": size,
            "shapes": [{k: s[k] for k in ("label", "colour", "bbox", "rotation", "visible")} for s in shapes]}
    return {"data": {"image": media_url(url_prefix, name)},
            "annotations": [{"result": result, "ground_truth": True}], "meta": meta}
