"""The music models on synthetic audio with known answers, through the SDK's predict():
results that pass the service's own validation, and mir_eval figures at the issue's floors
(on a few clips; bench/music_bench.py measures 40 of each)."""
import mir_eval
import numpy as np
import pytest

from ml_backend.media import MediaLoader
from ml_backend.models import MODELS, matching
from worker.labeling.config import parse_config
from worker.labeling.results import validate_result
from worker.music.shapes import events_of
from worker.synth import music

CONFIG_XML = music.label_config()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Two clips of each kind (chords, melody, drums) at 16 kHz, with their truth."""
    out = tmp_path_factory.mktemp("music")
    (out / "audio").mkdir()
    tasks = [music.make_task(11, i, out, rate=16000) for i in range(6)]
    for i, task in enumerate(tasks):
        task["id"] = i + 1
        task["truth"] = events_of(task.pop("annotations")[0]["result"], parse_config(CONFIG_XML))
    return out, tasks


def test_music_models_serve_music_configs():
    assert {"chords", "notes", "beats"} <= {cls.name for cls in matching(CONFIG_XML)}
    assert not MODELS["chords"].serves('<View><Image name="i" value="$i"/></View>')


@pytest.mark.parametrize("name, kind", [("chords", "chords"), ("notes", "melody"), ("beats", "drums")])
def test_predictions_are_valid_results_and_close_to_the_truth(clips, name, kind):
    root, tasks = clips
    mine = [t for t in tasks if t["meta"]["kind"] == kind]
    model = MODELS[name](CONFIG_XML, media=MediaLoader(local_root=root))
    preds = model.predict(mine)
    config = parse_config(CONFIG_XML)
    for task, pred in zip(mine, preds):
        assert pred["model_version"] == f"{name}.v1" and pred["result"]
        validate_result(pred["result"], config)
        got, truth = events_of(pred["result"], config), task["truth"]
        if name == "chords":
            ref_i = np.array([[c["start"], c["end"]] for c in truth["chords"]])
            est_i, est_l = mir_eval.util.adjust_intervals(
                np.array([[c["start"], c["end"]] for c in got["chords"]]), [c["chord"] for c in got["chords"]],
                ref_i.min(), ref_i.max(), "N", "N")
            merged, r, e = mir_eval.util.merge_labeled_intervals(ref_i, [c["chord"] for c in truth["chords"]], est_i, est_l)
            score = mir_eval.chord.weighted_accuracy(mir_eval.chord.sevenths(r, e), mir_eval.util.intervals_to_durations(merged))
            assert score >= 0.8, (truth["chords"], got["chords"])
        elif name == "notes":
            ref = np.array([[n["start"], n["end"]] for n in truth["notes"]])
            est = np.array([[n["start"], n["end"]] for n in got["notes"]])
            assert mir_eval.transcription.onset_precision_recall_f1(ref, est)[2] >= 0.7
        else:
            f = mir_eval.beat.f_measure(np.array([b["time"] for b in truth["beats"]]),
                                        np.array([b["time"] for b in got["beats"]]))
            assert f >= 0.85 and got["bpm"] == pytest.approx(truth["bpm"], rel=0.05)


def test_unreadable_audio_gives_an_empty_prediction(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    model = MODELS["beats"](CONFIG_XML, media=MediaLoader(local_root=tmp_path))
    (pred,) = model.predict([{"id": 1, "data": {"audio": "bad.wav"}}])
    assert pred["result"] == [] and pred["score"] is None
