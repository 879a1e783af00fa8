"""Shape segmenter: proposes ``<PolygonLabels>`` polygons or ``<EllipseLabels>`` ellipses with
scores, learnt from the project's own outlines.

The detector (``detector.py``) finds each object's box from boxes around the annotated
outlines; a mask head (a small U-Net over a crop around the box) then draws the object's mask
for the detected label. The mask becomes a polygon simplified with Douglas-Peucker to a few
points per corner (at most 64; ``polygon_tolerance`` in extra params, a fraction of the
perimeter), or the ellipse with the mask's centre and second moments.
"""
import numpy as np

from ..geometry import (ellipse_points, fill, largest_component, mask_ellipse, mask_polygon, outline_box,
                        polygon_points)
from ..regions import CANDIDATE, WORK, RegionModel, detect, detection_loss

#: Training crops are cut around boxes moved and resized by up to this fraction, so the mask
#: head copes with the detector's imperfect boxes.
JITTER = 0.1


class ShapeSegmenter(RegionModel):
    name = "shape_segmenter"
    title = "Shape segmenter (detector + mask head)"
    description = ("Learns outlines from the project's own annotations and proposes them with scores; "
                   "serves PolygonLabels or EllipseLabels on Image.")
    SHAPES = (("PolygonLabels", ("Image",)), ("EllipseLabels", ("Image",)))
    NEEDS_MASKS = True

    def truth(self, value, label):
        outline = ellipse_points(value) if self.binding.control == "EllipseLabels" else polygon_points(value)
        if len(outline) < 3:
            return None
        box = outline_box(outline)
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            return None
        return {"label": label, "box": box, "outline": outline}

    def network(self, n_classes):
        import torch.nn as nn

        from ..nets import CenterNet, MaskHead

        return nn.ModuleDict({"det": CenterNet(n_classes), "mask": MaskHead(n_classes)})

    def loss(self, net, images, objects, masks, dev):
        import torch

        from ..nets import crops, mask_loss, prepare

        loss = detection_loss(net["det"], images, objects, dev, len(self.binding.labels))
        owners, boxes, labels, targets = [], [], [], []
        for i, objs in enumerate(objects):
            for n, obj in enumerate(objs):
                x0, y0, x1, y1 = obj["box"]
                w, h = x1 - x0, y1 - y0
                dx, dy, sw, sh = (torch.rand(4) * 2 - 1).mul(JITTER).tolist()
                cx, cy = (x0 + x1) / 2 + dx * w, (y0 + y1) / 2 + dy * h
                w, h = w * (1 + sw), h * (1 + sh)
                owners.append(i)
                boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
                labels.append(obj["label"])
                targets.append(masks[i][n])
        if not boxes:
            return loss
        source = prepare(images).to(dev)
        x = crops(source, owners, boxes)
        mask_source = torch.stack(targets).float()[:, None]
        target = crops(mask_source, list(range(len(boxes))), boxes)[:, 0].to(dev)
        return loss + mask_loss(net["mask"](x), labels, target)

    def propose(self, net, images, dev, threshold):
        """Per image, [(label, score, mask on a WORK x WORK canvas)]."""
        import torch

        from ..nets import crop_box, crops, prepare

        found = detect(net["det"], images, dev, threshold)
        owners = [i for i, dets in enumerate(found) for _ in dets]
        if not owners:
            return [[] for _ in found]
        boxes = [box for dets in found for _, _, box in dets]
        labels = [label for dets in found for label, _, _ in dets]
        probs = torch.sigmoid(net["mask"](crops(prepare(images).to(dev), owners, boxes)))
        probs = probs[torch.arange(len(labels)), torch.tensor(labels)].cpu().numpy()
        scores = [score for dets in found for _, score, _ in dets]
        out = [[] for _ in found]
        for n, (i, box) in enumerate(zip(owners, boxes)):
            mask = _paste(probs[n], crop_box(box))
            if mask.any():
                out[i].append((labels[n], scores[n], mask))
        return out

    def region_value(self, mask, size):
        w, h = size
        if self.binding.control == "EllipseLabels":
            # Moments in the original pixel grid, so the rotation is right on non-square images.
            fitted = mask_ellipse(mask, scale=(w / WORK, h / WORK))
            if fitted is None:
                return None
            cx, cy, rx, ry, rotation = fitted
            return {"x": round(cx / w * 100, 3), "y": round(cy / h * 100, 3), "radiusX": round(rx / w * 100, 3),
                    "radiusY": round(ry / h * 100, 3), "rotation": round(rotation, 2)}
        tolerance = float(self.params.get("polygon_tolerance", 0.01))
        pts = mask_polygon(mask, tolerance=tolerance)
        if pts is None:
            return None
        pct = np.clip(pts / WORK * 100, 0, 100)
        return {"points": [[round(x, 3), round(y, 3)] for x, y in pct.tolist()], "closed": True}

    def evaluate(self, net, images, objects, sizes, dev):
        import torch

        from ..metrics import box_map50, matched_ious

        with torch.no_grad():
            proposals = self.propose(net, images, dev, CANDIDATE)
        threshold = self.hyper("score_threshold")
        preds, truths, boxes = [], [], []
        for props, objs, size in zip(proposals, objects, sizes):
            shown = []
            for label, score, mask in props:
                value = self.region_value(mask, size) if score >= threshold else None
                if value is not None:
                    shown.append((label, score, fill(self.outline(value), WORK, WORK)))
            preds.append(shown)
            boxes.append([(label, score, _mask_box(mask)) for label, score, mask in props])
            truths.append([(o["label"], fill(o["outline"], WORK, WORK)) for o in objs])
        ious = matched_ious(preds, truths)
        return {"mean_iou": float(np.mean(ious)) if ious else None,
                "map50": box_map50(boxes, [[(o["label"], o["box"]) for o in objs] for objs in objects],
                                   len(self.binding.labels))}

    def outline(self, value):
        """The outline (0..1) of a value this model wrote."""
        return ellipse_points(value) if self.binding.control == "EllipseLabels" else polygon_points(value)


def _paste(prob, box):
    """A WORK x WORK mask of a crop's probabilities ``prob`` (covering ``box`` in 0..1),
    thresholded at one half, its largest part kept."""
    import cv2

    x0, y0, x1, y1 = (v * WORK for v in box)
    w, h = max(int(round(x1 - x0)), 1), max(int(round(y1 - y0)), 1)
    patch = (cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR) > 0.5).astype(np.uint8)
    cx, cy = int(round(x0)), int(round(y0))
    mask = np.zeros((WORK, WORK), np.uint8)
    dx0, dy0, dx1, dy1 = max(cx, 0), max(cy, 0), min(cx + w, WORK), min(cy + h, WORK)
    if dx1 > dx0 and dy1 > dy0:
        mask[dy0:dy1, dx0:dx1] = patch[dy0 - cy:dy1 - cy, dx0 - cx:dx1 - cx]
    return largest_component(mask)


def _mask_box(mask):
    ys, xs = np.nonzero(mask)
    return (xs.min() / WORK, ys.min() / WORK, (xs.max() + 1) / WORK, (ys.max() + 1) / WORK)
