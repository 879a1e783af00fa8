"""Click-to-segment: a click or a rough box drawn in the editor comes back as a region, with no
training at all (classical segmentation with OpenCV).

The editor sends its prompt as ``params.context`` (Label Studio's interactive protocol):
``{"result": [regions]}`` with ``keypointlabels`` clicks (``is_positive`` false for Alt+click)
and/or ``rectanglelabels`` boxes, in percent. The answer is one region of the config's
``<PolygonLabels>`` (outline simplified to a few points per corner) or ``<BrushLabels>``
(Label Studio's RLE mask), named with the prompt's label when the output control has it.

- A click: flood fill from the clicked colour over a median-filtered image, at the tolerance
  just before the filled area jumps (where the fill leaks past the object's edge); a negative
  click lowers the tolerance until it is left out. Several positive clicks are joined.
- A box: GrabCut (colour models of inside and outside, refined by graph cuts) seeded with the
  box, and with any click inside it as certain foreground.
Serves configs with a prompt control (``<KeyPointLabels>`` or ``<RectangleLabels>``, usually
with ``smart="true"``) and an output control (``<PolygonLabels>`` or ``<BrushLabels>``) on the
same ``<Image>``. Batch predictions (no context) propose nothing.
"""
import io

import numpy as np

from .. import labeling
from ..base import LabelArtMLBase
from ..geometry import largest_component, mask_polygon, mask_to_rle
from ..media import MediaError

PROMPTS = ("KeyPointLabels", "RectangleLabels")
OUTPUTS = ("PolygonLabels", "BrushLabels")
#: Images are segmented at most this large (longer side), then scaled back.
MAX_SIDE = 512
#: Flood-fill tolerances tried, per channel on 0..255 colours.
TOLERANCES = (3, 5, 8, 12, 16, 20, 26, 32, 40, 50, 64, 80)
#: GrabCut rounds for a box prompt.
GRABCUT_ITERATIONS = 5


def _bindings(label_config):
    """(output binding, prompt control names) sharing one Image. Raises ConfigMismatch."""
    found = labeling.parse(label_config)
    for out in found:
        if out.control not in OUTPUTS or out.object != "Image" or not out.labels:
            continue
        prompts = {b.from_name for b in found if b.control in PROMPTS and b.to_name == out.to_name}
        if prompts:
            return out, prompts
    raise labeling.ConfigMismatch("the labeling config has no <PolygonLabels> or <BrushLabels> together with a "
                                  "<KeyPointLabels> or <RectangleLabels> (the click or box) on the same <Image>")


def flood(image, seed, tolerance):
    """Mask (uint8 0/1) of the pixels reached from ``seed`` (x, y) within ``tolerance`` per channel
    of the seed's colour."""
    import cv2

    h, w = image.shape[:2]
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = 8 | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    cv2.floodFill(image, mask, tuple(int(v) for v in seed), 0, (tolerance,) * 3, (tolerance,) * 3, flags)
    return mask[1:-1, 1:-1]


def segment_click(image, positive, negative=()):
    """Mask of the object under the clicks ``positive`` [(x, y)] (pixels), leaving out ``negative``."""
    import cv2

    smooth = cv2.medianBlur(image, 5)
    h, w = image.shape[:2]
    out = np.zeros((h, w), np.uint8)
    for seed in positive:
        masks = [flood(smooth, seed, t) for t in TOLERANCES]
        areas = [max(int(m.sum()), 1) for m in masks]
        # The object is what the fill holds just before its biggest relative jump in area:
        # past that tolerance it runs out over the object's edge into the background.
        jumps = [areas[k + 1] / areas[k] for k in range(len(areas) - 1)]
        pick = int(np.argmax(jumps)) if max(jumps) > 1.3 else len(masks) - 1
        while pick > 0 and any(masks[pick][int(y), int(x)] for x, y in negative):
            pick -= 1
        out |= masks[pick]
    out = cv2.morphologyEx(out, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    return largest_component(out)


def segment_box(image, box, positive=(), negative=()):
    """Mask of the object inside ``box`` (x0, y0, x1, y1 pixels) by GrabCut."""
    import cv2

    h, w = image.shape[:2]
    x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
    x1, y1 = min(int(round(box[2])), w), min(int(round(box[3])), h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return np.zeros((h, w), np.uint8)
    mask = np.full((h, w), cv2.GC_BGD, np.uint8)
    mask[y0:y1, x0:x1] = cv2.GC_PR_FGD
    for points, value in ((positive, cv2.GC_FGD), (negative, cv2.GC_BGD)):
        for x, y in points:
            cv2.circle(mask, (int(x), int(y)), 3, int(value), -1)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(image, mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    return largest_component(fg)


class ClickSegmenter(LabelArtMLBase):
    name = "click_segmenter"
    title = "Click-to-segment (OpenCV flood fill and GrabCut)"
    description = ("Turns a click or a rough box into a polygon or brush region, with no training; "
                   "needs KeyPointLabels or RectangleLabels (smart) and PolygonLabels or BrushLabels on one Image.")
    SHAPES = tuple((c, ("Image",)) for c in OUTPUTS)
    trainable = False

    def __init__(self, label_config, project="", store=None, media=None, params=None):
        from ..media import MediaLoader

        self.label_config, self.project, self.store = label_config, project, store
        self.media = media or MediaLoader()
        self.params = dict(params or {})
        self.binding, self.prompts = _bindings(label_config)

    @classmethod
    def serves(cls, label_config):
        try:
            _bindings(label_config)
        except labeling.ConfigMismatch:
            return False
        return True

    @property
    def model_version(self):
        return f"{self.name}.v1"

    def predict(self, tasks, context=None):
        """One region per task from the prompt in ``context``; nothing without a prompt."""
        out = []
        for task in tasks:
            result = []
            prompt = self.prompt(context)
            if prompt is not None:
                try:
                    region = self.segment(task, *prompt)
                except (MediaError, KeyError) as exc:
                    raise MediaError(f"task {task.get('id')}: {exc}") from exc
                result = [region] if region else []
            out.append({"result": result, "score": 1.0 if result else None, "model_version": self.model_version})
        return out

    def prompt(self, context):
        """(positive clicks, negative clicks, boxes, label) in 0..1 from ``context``, or None."""
        regions = (context or {}).get("result") if isinstance(context, dict) else None
        if not isinstance(regions, list):
            return None
        positive, negative, boxes, label = [], [], [], None
        for r in regions:
            if not isinstance(r, dict) or r.get("from_name") not in self.prompts:
                continue
            v = r.get("value") or {}
            try:
                if r.get("type") in ("keypointlabels", "keypoint"):
                    point = (float(v["x"]) / 100, float(v["y"]) / 100)
                    (positive if r.get("is_positive", True) else negative).append(point)
                elif r.get("type") in ("rectanglelabels", "rectangle"):
                    x, y = float(v["x"]) / 100, float(v["y"]) / 100
                    boxes.append((x, y, x + float(v["width"]) / 100, y + float(v["height"]) / 100))
                else:
                    continue
            except (KeyError, TypeError, ValueError):
                continue
            names = v.get(r.get("type")) or v.get("labels") or []
            label = label or next((n for n in names if n in self.binding.labels), None)
        if not positive and not boxes:
            return None
        return positive, negative, boxes, label or self.binding.labels[0]

    def segment(self, task, positive, negative, boxes, label):
        """The output region for one task's prompt, or None when nothing was found."""
        import cv2
        from PIL import Image, UnidentifiedImageError

        raw = self.media.read(task["data"][self.binding.value])
        try:
            img = Image.open(io.BytesIO(raw)).convert("RGB")
        except (UnidentifiedImageError, OSError) as exc:
            raise MediaError("not an image Pillow can read") from exc
        width, height = img.size
        scale = min(1.0, MAX_SIDE / max(width, height))
        if scale < 1.0:
            img = img.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.BILINEAR)
        image = np.ascontiguousarray(np.asarray(img))
        h, w = image.shape[:2]
        px = lambda pts: [(min(max(x * w, 0), w - 1), min(max(y * h, 0), h - 1)) for x, y in pts]
        if boxes:
            mask = np.zeros((h, w), np.uint8)
            for x0, y0, x1, y1 in boxes:
                mask |= segment_box(image, (x0 * w, y0 * h, x1 * w, y1 * h), px(positive), px(negative))
        else:
            mask = segment_click(image, px(positive), px(negative))
        if not mask.any():
            return None
        b = self.binding
        region = {"from_name": b.from_name, "to_name": b.to_name, "type": b.type, "original_width": width,
                  "original_height": height, "image_rotation": 0, "score": 1.0}
        if b.control == "BrushLabels":
            full = cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST)
            region["value"] = {"format": "rle", "rle": mask_to_rle(full), "brushlabels": [label]}
            return region
        pts = mask_polygon(mask, tolerance=float(self.params.get("polygon_tolerance", 0.01)))
        if pts is None:
            return None
        pct = np.clip(pts / [w, h] * 100, 0, 100)
        region["value"] = {"points": [[round(x, 3), round(y, 3)] for x, y in pct.tolist()], "closed": True,
                           "polygonlabels": [label]}
        return region
