"""Region models on ``labelart synth images`` shapes: geometry conversions, the box detector,
the polygon/ellipse segmenter, key points and click-to-segment, each against the shapes' truth.

Training runs at a tiny scale here (tens of images, few epochs) with relaxed floors;
``make bench-regions`` asserts the issue's targets on 300 images.
"""
import math

import numpy as np
import pytest

from ml_backend import geometry
from ml_backend.media import MediaLoader
from ml_backend.metrics import box_map50, matched_ious, pck
from ml_backend.models import MODELS, matching
from ml_backend.models.detector import BoxDetector
from ml_backend.models.interactive import ClickSegmenter, segment_box, segment_click
from ml_backend.models.keypoints import KeypointDetector
from ml_backend.models.segmenter import ShapeSegmenter
from ml_backend.store import ModelStore

from .region_data import (CLICK_CONFIG, as_ellipses, click_point, make_shapes, truth_boxes, truth_masks,
                          truth_points, visible_mask)

#: Tiny-scale training: enough to prove learning, quick on two busy cores.
FAST = {"epochs": 30, "held_out": 0.0, "batch_size": 8}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes(tmp_path_factory.mktemp("regions"), 160, size=96)


def _model(cls, shapes, tmp_path, config=None, **params):
    store = ModelStore(tmp_path / "models", "p1")
    return cls(config or shapes["config"], store=store, media=MediaLoader(local_root=str(shapes["dir"])),
               params={**FAST, **params})


# ---------------------------------------------------------------- geometry


def test_rectangle_box_follows_rotation():
    assert geometry.rectangle_box({"x": 10, "y": 20, "width": 30, "height": 40}) == pytest.approx((0.1, 0.2, 0.4, 0.6))
    x0, y0, x1, y1 = geometry.rectangle_box({"x": 50, "y": 50, "width": 20, "height": 10, "rotation": 90})
    # Turned a quarter clockwise about its top-left corner: it now hangs down-left of (50, 50).
    assert (x0, y0, x1, y1) == pytest.approx((0.4, 0.5, 0.5, 0.7))


def test_polygon_of_a_mask_is_simple_and_faithful():
    t = np.linspace(0, 2 * math.pi, 200, endpoint=False)
    circle = np.stack([0.5 + 0.3 * np.cos(t), 0.5 + 0.3 * np.sin(t)], 1)
    mask = geometry.fill(circle, 200, 200)
    pts = geometry.mask_polygon(mask)
    assert 8 <= len(pts) <= 40
    assert geometry.iou(geometry.fill(pts / 200, 200, 200), mask) > 0.96
    square = geometry.fill(np.array([[0.2, 0.2], [0.7, 0.2], [0.7, 0.6], [0.2, 0.6]]), 100, 100)
    corners = geometry.mask_polygon(square)
    assert len(corners) == 4
    assert sorted(map(tuple, np.round(corners).astype(int).tolist())) == [(20, 20), (20, 60), (70, 20), (70, 60)]


def test_ellipse_from_mask_moments():
    value = {"x": 50, "y": 40, "radiusX": 30, "radiusY": 12, "rotation": 30}
    mask = geometry.fill(geometry.ellipse_points(value, steps=360), 400, 400)
    cx, cy, rx, ry, rotation = geometry.mask_ellipse(mask)
    assert (cx, cy) == pytest.approx((200, 160), abs=0.5)
    assert (rx, ry) == pytest.approx((120, 48), rel=0.01)
    assert rotation == pytest.approx(30, abs=0.5)


def test_brush_rle_round_trip_and_header():
    mask = np.zeros((37, 53), np.uint8)
    mask[5:30, 10:40] = 1
    mask[12, 1] = 1
    rle = geometry.mask_to_rle(mask)
    assert np.array_equal(geometry.rle_to_mask(rle, 53, 37), mask)
    # Label Studio's header: 32-bit length (RGBA values), word size 8, run sizes 3/4/8/16.
    bits = "".join(format(b, "08b") for b in rle)
    assert int(bits[:32], 2) == 37 * 53 * 4 and int(bits[32:37], 2) == 7
    assert [int(bits[37 + 4 * i:41 + 4 * i], 2) + 1 for i in range(4)] == [3, 4, 8, 16]
    with pytest.raises(ValueError, match="not 10x10"):
        geometry.rle_to_mask(rle, 10, 10)


def test_metrics_match_by_label():
    truth = [[(0, (0.1, 0.1, 0.3, 0.3)), (1, (0.5, 0.5, 0.9, 0.9))]]
    assert box_map50([[(0, 0.9, (0.1, 0.1, 0.3, 0.3)), (1, 0.8, (0.52, 0.5, 0.9, 0.92))]], truth, 2) == pytest.approx(1.0)
    assert box_map50([[(1, 0.9, (0.1, 0.1, 0.3, 0.3))]], truth, 2) == 0.0
    assert pck([[(0, 0.9, (0.52, 0.5)), (0, 0.5, (0.1, 0.1))]], [[(0, (0.5, 0.5)), (1, (0.1, 0.1))]]) == (0.5, 0.5)
    a = np.zeros((10, 10)); a[:5] = 1
    assert matched_ious([[(0, 1.0, a)]], [[(0, a), (1, a)]]) == [1.0, 0.0]


# ---------------------------------------------------------------- which configs each model serves


def test_models_serve_only_matching_configs(shapes):
    from worker.synth.images import label_config

    names = lambda cfg: [m.name for m in matching(cfg)]
    assert names(label_config()) == ["box_detector"]
    both = label_config(polygons=True, keypoints=True)
    assert {"box_detector", "shape_segmenter", "keypoint_detector", "click_segmenter"} <= set(names(both))
    assert names(both.replace("PolygonLabels", "EllipseLabels")) == ["box_detector", "shape_segmenter",
                                                                    "keypoint_detector"]
    assert names(label_config("classify")) == ["image_classifier"]
    assert names(CLICK_CONFIG) == ["shape_segmenter", "keypoint_detector", "click_segmenter"]
    assert MODELS["click_segmenter"].describe()["trainable"] is False


# ---------------------------------------------------------------- trained models


@pytest.mark.slow
def test_detector_learns_boxes_and_keeps_learning(shapes, tmp_path):
    train, test = shapes["tasks"][:120], shapes["tasks"][120:]
    model = _model(BoxDetector, shapes, tmp_path)
    assert model.predict(test[:2])[0] == {"result": [], "score": None, "model_version": "box_detector.initial"}
    metrics = model.fit("START_TRAINING", {"tasks": train})
    assert metrics["status"] == "ok" and metrics["model_version"] == "box_detector.v1"
    assert metrics["loss"][-1] < metrics["loss"][0] / 3

    preds = model.predict(test)
    found = [[(["circle", "square", "triangle"].index(r["value"]["rectanglelabels"][0]), r["score"],
               geometry.rectangle_box(r["value"])) for r in p["result"]] for p in preds]
    score = box_map50(found, truth_boxes(test), 3)
    # 120 images and 30 epochs reach about 0.53; the bench asserts 0.8 after 300 images and 60.
    assert score >= 0.45, score
    region = preds[0]["result"][0]
    assert region["from_name"] == "label" and region["to_name"] == "image" and region["type"] == "rectanglelabels"
    assert region["original_width"] == 96 and 0 < region["score"] <= 1
    assert all(0 <= p["score"] <= 1 and p["model_version"] == "box_detector.v1" for p in preds)

    # Online learning: the next round starts from v1 and needs fewer epochs.
    again = model.fit("ANNOTATION_CREATED", {"tasks": train + test[:20]})
    assert again["warm_start"] == 1 and again["epochs"] == 12 and again["model_version"] == "box_detector.v2"


@pytest.mark.slow
def test_segmenter_draws_polygons_and_ellipses(shapes, tmp_path):
    train, test = shapes["tasks"][:120], shapes["tasks"][120:]
    model = _model(ShapeSegmenter, shapes, tmp_path)
    model.fit("START_TRAINING", {"tasks": train})
    preds = model.predict(test)
    labels = ["circle", "square", "triangle"]
    found = [[(labels.index(r["value"]["polygonlabels"][0]), r["score"],
               geometry.fill(geometry.polygon_points(r["value"]), 96, 96)) for r in p["result"]] for p in preds]
    ious = matched_ious(found, truth_masks(test, 96))
    assert np.mean(ious) >= 0.55, np.mean(ious)  # the bench asserts 0.75 after 300 images
    points = [len(r["value"]["points"]) for p in preds for r in p["result"]]
    assert 3 <= min(points) and max(points) <= geometry.MAX_POLYGON_POINTS

    # Ellipses: the same model on an <EllipseLabels> config, trained briefly (a low threshold
    # so that something is proposed), must write Label Studio ellipse values.
    ellipses = _model(ShapeSegmenter, shapes, tmp_path / "e", score_threshold=0.05, epochs=12,
                      config=shapes["config"].replace("PolygonLabels", "EllipseLabels"))
    assert ellipses.binding.control == "EllipseLabels"
    metrics = ellipses.fit("START_TRAINING", {"tasks": as_ellipses(train[:60], 96)})
    assert metrics["status"] == "ok" and metrics["regions"] > 100
    regions = [r for p in ellipses.predict(test[:10]) for r in p["result"]]
    assert regions and all(r["type"] == "ellipselabels" and {"x", "y", "radiusX", "radiusY", "rotation"}
                           <= set(r["value"]) and r["value"]["radiusX"] > 0 for r in regions)


@pytest.mark.slow
def test_keypoints_found_near_the_truth(shapes, tmp_path):
    train, test = shapes["tasks"][:120], shapes["tasks"][120:]
    model = _model(KeypointDetector, shapes, tmp_path)
    model.fit("START_TRAINING", {"tasks": train})
    labels = ["circle", "square", "triangle"]
    preds = [[(labels.index(r["value"]["keypointlabels"][0]), r["score"], (r["value"]["x"] / 100,
                                                                           r["value"]["y"] / 100))
              for r in p["result"]] for p in model.predict(test)]
    found, precision = pck(preds, truth_points(test), 0.05)
    # About 0.84 (precision 0.44) at this scale; the bench asserts PCK 0.8 after 300 images.
    assert found >= 0.7 and precision >= 0.3, (found, precision)


def test_too_few_regions_is_skipped(shapes, tmp_path):
    model = _model(BoxDetector, shapes, tmp_path)
    task = dict(shapes["tasks"][0], annotations=[{"result": [], "was_cancelled": True}])
    assert model.fit("START_TRAINING", {"tasks": [task]})["status"] == "skipped"


# ---------------------------------------------------------------- click-to-segment


def test_one_click_per_shape_finds_it(shapes):
    ious, visible = [], []
    for task in shapes["tasks"][:40]:
        image = shapes["image"](task)
        for shape, truth in zip(task["meta"]["shapes"], truth_masks([task], 96)[0]):
            seen = visible_mask(image, shape)
            mask = segment_click(image, [click_point(seen)])
            ious.append(geometry.iou(mask, truth[1]))
            visible.append(geometry.iou(mask, seen))
    assert np.mean(ious) >= 0.8 and np.mean(visible) >= 0.9, (np.mean(ious), np.mean(visible))


def test_a_rough_box_is_cut_out_by_grabcut(shapes):
    ious = []
    for task in shapes["tasks"][:15]:
        image = shapes["image"](task)
        for (label, box), (_, truth) in zip(truth_boxes([task])[0], truth_masks([task], 96)[0]):
            x0, y0, x1, y1 = (v * 96 for v in box)
            pad = 0.12 * max(x1 - x0, y1 - y0)  # a sloppy box, larger than the shape
            ious.append(geometry.iou(segment_box(image, (x0 - pad, y0 - pad, x1 + pad, y1 + pad)), truth))
    assert np.mean(ious) >= 0.75, np.mean(ious)


def test_click_segmenter_answers_the_context(shapes):
    task = shapes["tasks"][3]
    n = max(range(len(task["meta"]["shapes"])), key=lambda i: task["meta"]["shapes"][i]["visible"])
    shape = task["meta"]["shapes"][n]
    x, y = click_point(visible_mask(shapes["image"](task), shape))
    click = {"from_name": "click", "to_name": "image", "type": "keypointlabels", "is_positive": True,
             "value": {"x": x / 96 * 100, "y": y / 96 * 100, "width": 1, "labels": [shape["label"]],
                       "keypointlabels": [shape["label"]]}}
    media = MediaLoader(local_root=str(shapes["dir"]))
    model = ClickSegmenter(CLICK_CONFIG, media=media)
    assert model.predict([task]) == [{"result": [], "score": None, "model_version": "click_segmenter.v1"}]
    [answer] = model.predict([task], context={"result": [click]})
    [region] = answer["result"]
    assert region["type"] == "polygonlabels" and region["from_name"] == "outline"
    assert region["value"]["polygonlabels"] == [shape["label"]] and region["original_width"] == 96
    truth = truth_masks([task], 96)[0][n][1]
    assert geometry.iou(geometry.fill(geometry.polygon_points(region["value"]), 96, 96), truth) > 0.75

    brush = ClickSegmenter(CLICK_CONFIG.replace("PolygonLabels", "BrushLabels"), media=media)
    [region] = brush.predict([task], context={"result": [click]})[0]["result"]
    assert region["type"] == "brushlabels" and region["value"]["format"] == "rle"
    mask = geometry.rle_to_mask(region["value"]["rle"], 96, 96)
    assert geometry.iou(mask, truth) > 0.75
