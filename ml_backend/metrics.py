"""How good region proposals are: box mAP@0.5 (pycocotools, COCO's own evaluation), mean IoU
of masks matched to the truth, and PCK for key points.

Every function takes, per image, the predictions and the truth in the same units (0..1 of the
image, or pixels), so training rounds, tests and the benchmark measure the same way.
"""
import contextlib
import io

import numpy as np

from .geometry import iou

#: COCO's evaluation wants pixel-sized boxes; 0..1 boxes are scaled by this first.
SCALE = 1000.0


def box_map50(predictions, truths, n_classes):
    """COCO mAP at IoU 0.5 over all labels present in ``truths``.

    ``predictions``: per image [(label, score, (x0, y0, x1, y1))]; ``truths``: per image
    [(label, (x0, y0, x1, y1))]. Returns None when there is no truth box at all.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, detections = [], [], []
    for i, (preds, truth) in enumerate(zip(predictions, truths)):
        images.append({"id": i + 1, "width": SCALE, "height": SCALE})
        for label, box in truth:
            x0, y0, x1, y1 = (v * SCALE for v in box)
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": label + 1,
                                "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0), "iscrowd": 0})
        for label, score, box in preds:
            x0, y0, x1, y1 = (v * SCALE for v in box)
            detections.append({"image_id": i + 1, "category_id": label + 1, "score": float(score),
                               "bbox": [x0, y0, x1 - x0, y1 - y0]})
    if not annotations:
        return None
    gt = COCO()
    gt.dataset = {"images": images, "annotations": annotations,
                  "categories": [{"id": c + 1, "name": str(c)} for c in range(n_classes)]}
    with contextlib.redirect_stdout(io.StringIO()):  # COCOeval prints its tables
        gt.createIndex()
        if not detections:
            return 0.0
        dt = gt.loadRes(detections)
        ev = COCOeval(gt, dt, "bbox")
        ev.params.imgIds = [im["id"] for im in images]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return max(float(ev.stats[1]), 0.0)  # stats[1]: AP at IoU 0.5, all areas, 100 detections


def matched_ious(predictions, truths):
    """IoU of each true mask with the prediction matched to it (0 when none is).

    ``predictions``: per image [(label, score, mask)]; ``truths``: per image [(label, mask)].
    Predictions and truths of the same label are paired greedily, best IoU first, each used once.
    """
    out = []
    for preds, truth in zip(predictions, truths):
        pairs = []
        for t, (tl, tm) in enumerate(truth):
            for p, (pl, _, pm) in enumerate(preds):
                if pl == tl:
                    pairs.append((iou(pm, tm), t, p))
        best = [0.0] * len(truth)
        used_t, used_p = set(), set()
        for value, t, p in sorted(pairs, reverse=True):
            if t in used_t or p in used_p:
                continue
            used_t.add(t)
            used_p.add(p)
            best[t] = value
        out.extend(best)
    return out


def pck(predictions, truths, threshold=0.05, sizes=None):
    """(PCK, precision): the share of true key points with a prediction of their label within
    ``threshold`` of the image's longer side, and the share of predictions that found one.

    ``predictions``: per image [(label, score, (x, y))]; ``truths``: per image [(label, (x, y))],
    both in 0..1; ``sizes``: per image (width, height), square when not given.
    """
    found = total = n_preds = 0
    for i, (preds, truth) in enumerate(zip(predictions, truths)):
        w, h = sizes[i] if sizes else (1.0, 1.0)
        scale = np.array([w, h]) / max(w, h)
        free = list(range(len(truth)))
        for label, _, point in sorted(preds, key=lambda p: -p[1]):
            n_preds += 1
            near = [(np.linalg.norm((np.asarray(point) - truth[t][1]) * scale), t) for t in free
                    if truth[t][0] == label]
            if near:
                dist, t = min(near)
                if dist <= threshold:
                    free.remove(t)
                    found += 1
        total += len(truth)
    return (found / total if total else None), (found / n_preds if n_preds else None)
