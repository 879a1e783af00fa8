"""The bundled models on synthetic data, and the model store's crash safety."""
import json
import os

import pytest
import torch

from ml_backend import labeling
from ml_backend.base import confidence
from ml_backend.media import MediaError, MediaLoader
from ml_backend.models import MODELS, matching
from ml_backend.models.audio_classifier import AudioClassifier
from ml_backend.models.audio_segmenter import AudioSegmenter
from ml_backend.models.image_classifier import ImageClassifier
from ml_backend.store import ModelStore


def _tasks(data):
    return [{**t, "id": i + 1} for i, t in enumerate(data["tasks"])]


def _accuracy(model, tasks, labels):
    preds = model.predict(tasks)
    return sum(p["result"][0]["value"]["choices"][0] == y for p, y in zip(preds, labels)) / len(labels)


@pytest.mark.slow
@pytest.mark.parametrize("cls,data", [(ImageClassifier, "shapes"), (AudioClassifier, "chords")])
def test_classifier_reaches_90_percent_after_200_labels(cls, data, request, tmp_path):
    data = request.getfixturevalue(data)
    tasks = _tasks(data)
    model = cls(data["config"], store=ModelStore(tmp_path, "p1"), media=MediaLoader(local_root=data["dir"]),
                params={"held_out": 0.0, "epochs": 20})
    metrics = model.fit("START_TRAINING", {"tasks": tasks[:200]})
    assert metrics["status"] == "ok" and metrics["train"] == 200
    assert metrics["model_version"] == f"{cls.name}.v1" == model.model_version
    accuracy = _accuracy(model, tasks[200:], data["labels"][200:])
    assert accuracy >= 0.9, accuracy
    # A fresh instance (another worker) loads the stored version and agrees.
    again = cls(data["config"], store=ModelStore(tmp_path, "p1"), media=MediaLoader(local_root=data["dir"]))
    assert again.predict(tasks[200:210]) == model.predict(tasks[200:210])


def test_predictions_have_scores_by_uncertainty_method(shapes, tmp_path):
    tasks = _tasks(shapes)
    store = ModelStore(tmp_path, "p")
    model = ImageClassifier(shapes["config"], store=store, media=MediaLoader(local_root=shapes["dir"]),
                            params={"epochs": 2, "held_out": 0.0})
    assert model.predict(tasks[:2]) == [{"result": [], "score": None, "model_version": "image_classifier.initial"}] * 2
    model.fit("START_TRAINING", {"tasks": tasks[:20]})
    for method in ("least_confidence", "margin", "entropy"):
        model.params["uncertainty"] = method
        pred = model.predict(tasks[20:21])[0]
        region = pred["result"][0]
        assert region["from_name"] == "shape" and region["to_name"] == "image" and region["type"] == "choices"
        assert region["value"]["choices"][0] in ("circle", "square", "triangle")
        assert 0.0 <= pred["score"] <= 1.0 and pred["model_version"] == "image_classifier.v1"
    model.params["uncertainty"] = "bogus"
    with pytest.raises(ValueError, match="uncertainty must be one of"):
        model.predict(tasks[:1])


def test_confidence_orders_least_sure_first():
    sure, unsure = [0.9, 0.05, 0.05], [0.4, 0.35, 0.25]
    for method in ("least_confidence", "margin", "entropy"):
        assert confidence(sure, method) > confidence(unsure, method)
    assert confidence([0.5, 0.5], "margin") == 0.0 and confidence([1.0, 0.0], "entropy") == 1.0


def test_models_declare_the_configs_they_serve(shapes, chords):
    from worker.synth import audio

    assert [m.name for m in matching(shapes["config"])] == ["image_classifier"]
    assert [m.name for m in matching(chords["config"])] == ["audio_classifier"]
    assert [m.name for m in matching(audio.label_config(segments=True))] == ["audio_segmenter"]
    assert [m.name for m in matching('<View><Image name="i" value="$i"/><RectangleLabels name="r" toName="i">'
                                     '<Label value="a"/><Label value="b"/></RectangleLabels></View>')] == ["box_detector"]
    with pytest.raises(labeling.ConfigMismatch, match="Choices"):
        ImageClassifier(chords["config"])
    with pytest.raises(labeling.ConfigMismatch):
        labeling.parse('<!DOCTYPE x [<!ENTITY a "b">]><View>&a;</View>')
    assert set(MODELS) == {"image_classifier", "audio_classifier", "audio_segmenter", "text_classifier",
                           "box_detector", "shape_segmenter", "keypoint_detector", "click_segmenter",
                           "chords", "notes", "beats"}


def test_segmenter_finds_the_sounds(tmp_path):
    from worker.synth import audio

    (tmp_path / "audio").mkdir()
    tasks = [audio.make_task(3, i, tmp_path, segments=True) for i in range(6)]
    model = AudioSegmenter(audio.label_config(segments=True), media=MediaLoader(local_root=tmp_path))
    preds = model.predict(tasks)
    hits = total = 0
    for task, pred in zip(tasks, preds):
        truth = [(r["value"]["start"], r["value"]["end"]) for r in task["annotations"][0]["result"]]
        found = [(r["value"]["start"], r["value"]["end"]) for r in pred["result"]]
        assert all(r["type"] == "labels" and r["value"]["labels"] == ["tone"] for r in pred["result"])
        total += len(truth)
        hits += sum(any(abs(s - fs) < 0.08 and abs(e - fe) < 0.25 for fs, fe in found) for s, e in truth)
    assert hits / total >= 0.8, (hits, total)


def test_store_ignores_half_written_versions(tmp_path):
    store = ModelStore(tmp_path, "12.1700000000")
    assert store.latest() is None and store.load() is None
    v1 = store.save({"w": torch.ones(3)}, {"labels": ["a", "b"]})
    # What a writer killed mid-save leaves: weights without their JSON, and a temporary file.
    (store.dir / "v0002.safetensors").write_bytes(b"partial")
    (store.dir / ".tmp-123.safetensors").write_bytes(b"partial")
    assert store.versions() == [v1] == [1]
    tensors, meta = store.load()
    assert torch.equal(tensors["w"], torch.ones(3)) and meta["labels"] == ["a", "b"] and meta["version"] == 1
    assert store.save({"w": torch.zeros(2)}, {}) == 2  # the orphan is overwritten, not trusted
    assert torch.equal(store.load()[0]["w"], torch.zeros(2))
    assert store.dir.name == "12.1700000000"
    assert ModelStore(tmp_path, "../../etc").dir.parent == tmp_path


def test_store_never_unpickles(tmp_path):
    """Weights are safetensors: a pickle planted as a version is rejected, never executed."""
    import pickle

    store = ModelStore(tmp_path, "p")
    store.dir.mkdir(parents=True)

    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    (store.dir / "v0001.safetensors").write_bytes(pickle.dumps(Boom()))
    (store.dir / "v0001.json").write_text(json.dumps({"labels": []}))
    with pytest.raises(Exception):
        store.load()
    assert not (tmp_path / "pwned").exists()


def test_media_loader_refuses_paths_outside_its_root(tmp_path):
    (tmp_path / "a.txt").write_text("ok")
    loader = MediaLoader(local_root=tmp_path)
    assert loader.read("a.txt") == b"ok"
    assert loader.read("data:text/plain;base64,aGk=") == b"hi"
    for bad in ("../../etc/passwd", "/../../etc/passwd"):
        with pytest.raises(MediaError):
            loader.read(bad)
    with pytest.raises(MediaError, match="no hostname"):
        MediaLoader().read("/data/upload/1/a.png")


@pytest.mark.slow
def test_text_classifier_uses_the_packaged_encoder_offline(tmp_path):
    from ml_backend.models.text_classifier import TextClassifier
    from tests.service.factories import TEXT_CONFIG

    good = ["I love this song", "What a wonderful melody", "Great work, beautiful colours", "This is fantastic",
            "Absolutely delightful piece", "I really enjoyed it", "Lovely and warm", "Brilliant performance"]
    bad = ["I hate this noise", "What an awful mess", "Terrible, ugly colours", "This is dreadful",
           "Completely boring piece", "I really disliked it", "Cold and unpleasant", "Horrible performance"]
    def task(i, text, label):
        return {"id": i, "data": {"text": text},
                "annotations": [{"result": [{"from_name": "sentiment", "to_name": "text", "type": "choices",
                                             "value": {"choices": [label]}}]}]}
    train = [task(i, t, "positive") for i, t in enumerate(good[:6])] + \
        [task(10 + i, t, "negative") for i, t in enumerate(bad[:6])]
    model = TextClassifier(TEXT_CONFIG, store=ModelStore(tmp_path, "t"), params={"held_out": 0.0})
    assert model.fit("START_TRAINING", {"tasks": train})["status"] == "ok"
    preds = model.predict([{"id": 99, "data": {"text": t}} for t in good[6:] + bad[6:]])
    assert [p["result"][0]["value"]["choices"][0] for p in preds] == ["positive"] * 2 + ["negative"] * 2
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
