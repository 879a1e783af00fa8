"""`labelart synth`: the files it writes and that their truth matches the pixels and samples."""
import json
import re
import wave

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from worker.cli import cli
from worker.labeling.config import parse_config
from worker.labeling.results import validate_result
from worker.synth.audio import INTERVALS, NOTE_NAMES
from worker.synth.text import SENTIMENTS, VERBS


def run_synth(*args):
    result = CliRunner().invoke(cli, ["synth", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def load(out):
    tasks = json.loads((out / "tasks.json").read_text())
    config = parse_config((out / "label_config.xml").read_text())
    for task in tasks:
        for annotation in task["annotations"]:
            validate_result(annotation["result"], config)
    return tasks, config


def pixel_box(value, width, height):
    """A rectanglelabels value back in pixels (x0, y0, x1, y1), x1/y1 exclusive."""
    return (round(value["x"] * width / 100), round(value["y"] * height / 100),
            round((value["x"] + value["width"]) * width / 100), round((value["y"] + value["height"]) * height / 100))


@pytest.fixture(scope="module")
def shapes_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("shapes")
    run_synth("images", "--count", 24, "--out", out, "--seed", 3, "--polygons", "--keypoints")
    return out


def test_images_write_a_label_studio_import(shapes_dir):
    tasks, config = load(shapes_dir)
    assert len(tasks) == 24
    assert {c.tag for c in config.controls.values()} == {"RectangleLabels", "PolygonLabels", "KeyPointLabels"}
    assert config.controls["label"].labels == {"circle", "square", "triangle"}
    assert {t["meta"]["background"] for t in tasks} == {"solid", "gradient", "noise"}
    labels = {s["label"] for t in tasks for s in t["meta"]["shapes"]}
    assert labels == {"circle", "square", "triangle"}
    assert any(len(t["meta"]["shapes"]) > 1 for t in tasks)
    assert any(s["visible"] < 1 for t in tasks for s in t["meta"]["shapes"]), "no shape overlaps another"
    for task in tasks:
        assert re.fullmatch(r"images/\d{6}\.png", task["data"]["image"])
        with Image.open(shapes_dir / task["data"]["image"]) as img:
            assert img.size == (256, 256) and img.mode == "RGB"


def test_boxes_match_the_drawn_pixels(shapes_dir):
    tasks, _ = load(shapes_dir)
    for task in tasks:
        pixels = np.asarray(Image.open(shapes_dir / task["data"]["image"]))
        rects = [r for r in task["annotations"][0]["result"] if r["type"] == "rectanglelabels"]
        shapes = task["meta"]["shapes"]
        assert len(rects) == len(shapes)
        for rect, shape in zip(rects, shapes):
            v = rect["value"]
            assert (rect["original_width"], rect["original_height"]) == (256, 256)
            assert v["x"] >= 0 and v["y"] >= 0 and v["x"] + v["width"] <= 100 and v["y"] + v["height"] <= 100
            assert v["rectanglelabels"] == [shape["label"]]
            box = pixel_box(v, 256, 256)
            assert list(box) == shape["bbox"]
            ys, xs = np.nonzero(np.all(pixels == shape["colour"], axis=-1))
            assert len(xs) > 0, "shape is not visible at all"
            x0, y0, x1, y1 = box
            # Every pixel of the shape's colour lies in its box ...
            assert xs.min() >= x0 and xs.max() < x1 and ys.min() >= y0 and ys.max() < y1
            if shape["visible"] == 1:
                # ... and an unhidden shape fills it edge to edge.
                assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == tuple(box)
        # The shape drawn last is never hidden.
        assert shapes[-1]["visible"] == 1


def test_polygons_and_keypoints_agree_with_boxes(shapes_dir):
    tasks, _ = load(shapes_dir)
    for task in tasks:
        result = {r["id"]: r for r in task["annotations"][0]["result"]}
        for rid, rect in result.items():
            if rect["type"] != "rectanglelabels":
                continue
            v = rect["value"]
            poly, point = result[rid + "p"]["value"], result[rid + "k"]["value"]
            assert poly["polygonlabels"] == point["keypointlabels"] == v["rectanglelabels"]
            assert len(poly["points"]) == {"circle": 24, "square": 4, "triangle": 3}[v["rectanglelabels"][0]]
            for x, y in poly["points"] + [[point["x"], point["y"]]]:
                assert v["x"] - 0.5 <= x <= v["x"] + v["width"] + 0.5
                assert v["y"] - 0.5 <= y <= v["y"] + v["height"] + 0.5


def test_images_are_deterministic(tmp_path, shapes_dir):
    again = tmp_path / "again"
    run_synth("images", "--count", 3, "--out", again, "--seed", 3, "--polygons", "--keypoints")
    first = json.loads((shapes_dir / "tasks.json").read_text())[:3]
    assert json.loads((again / "tasks.json").read_text()) == first
    for task in first:
        assert (again / task["data"]["image"]).read_bytes() == (shapes_dir / task["data"]["image"]).read_bytes()
    other = tmp_path / "other"
    run_synth("images", "--count", 3, "--out", other, "--seed", 4)
    assert json.loads((other / "tasks.json").read_text())[0]["meta"] != first[0]["meta"]


def test_classify_has_one_shape_and_a_choice(tmp_path):
    run_synth("images", "--count", 30, "--out", tmp_path, "--task", "classify", "--size", 128,
              "--url-prefix", "/data/upload/7")
    tasks, config = load(tmp_path)
    assert [c.tag for c in config.controls.values()] == ["Choices"]
    seen = set()
    for task in tasks:
        (shape,) = task["meta"]["shapes"]
        (region,) = task["annotations"][0]["result"]
        assert region["type"] == "choices" and region["value"]["choices"] == [shape["label"]]
        assert task["data"]["image"].startswith("/data/upload/7/images/")
        rel = task["data"]["image"].removeprefix("/data/upload/7/")
        pixels = np.asarray(Image.open(tmp_path / rel))
        assert pixels.shape == (128, 128, 3)
        assert np.all(pixels == shape["colour"], axis=-1).sum() > 0.02 * 128 * 128
        seen.add(shape["label"])
    assert seen == {"circle", "square", "triangle"}


def test_classify_refuses_region_flags(tmp_path):
    result = CliRunner().invoke(cli, ["synth", "images", "--out", str(tmp_path), "--task", "classify", "--polygons"])
    assert result.exit_code == 2 and "--task detect only" in result.output


def read_wav(path):
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
        return wav.getframerate(), np.frombuffer(frames, "<i2").astype(float) / 32767


def spectrum(samples, rate):
    """Magnitude per 1 Hz bin."""
    mag = np.abs(np.fft.rfft(samples * np.hanning(len(samples)), n=rate))
    return mag


def check_chord(info):
    root = info["root_midi"]
    assert info["notes"] == [root + i for i in INTERVALS[info["kind"]]]
    assert info["root"] == NOTE_NAMES[root % 12]
    expected = {"tone": f"{info['root']}{root // 12 - 1}", "major": info["root"], "minor": info["root"] + "m"}
    assert info["chord"] == expected[info["kind"]]
    for midi, hz in zip(info["notes"], info["frequencies"]):
        assert hz == pytest.approx(440 * 2 ** ((midi - 69) / 12), abs=1e-3)


def test_audio_clips_match_their_labels(tmp_path):
    run_synth("audio", "--count", 15, "--out", tmp_path, "--seed", 5)
    tasks, config = load(tmp_path)
    assert [o.tag for o in config.objects.values()] == ["Audio"]
    assert config.controls["kind"].labels == {"tone", "major", "minor"}
    kinds = set()
    for task in tasks:
        meta = task["meta"]
        rate, samples = read_wav(tmp_path / task["data"]["audio"])
        assert rate == meta["sample_rate"] == 16000
        assert len(samples) / rate == pytest.approx(meta["duration"], abs=1 / rate)
        assert 1.0 <= meta["duration"] <= 2.0
        assert task["annotations"][0]["result"][0]["value"]["choices"] == [meta["kind"]]
        check_chord(meta)
        mag = spectrum(samples, rate)
        peak = int(np.argmax(mag))
        assert min(abs(peak - f) for f in meta["frequencies"]) <= 2, (peak, meta)
        for f in meta["frequencies"]:
            assert mag[round(f) - 2:round(f) + 3].max() > 0.3 * mag[peak]
        kinds.add(meta["kind"])
    assert kinds == {"tone", "major", "minor"}


def test_audio_segments_are_labelled_regions(tmp_path):
    run_synth("audio", "--count", 4, "--out", tmp_path, "--segments", "--audio-tag", "AudioPlus", "--rate", 8000)
    tasks, config = load(tmp_path)
    assert [o.tag for o in config.objects.values()] == ["AudioPlus"]
    for task in tasks:
        rate, samples = read_wav(tmp_path / task["data"]["audio"])
        regions = task["annotations"][0]["result"]
        segments = task["meta"]["segments"]
        assert rate == 8000 and 2 <= len(regions) == len(segments) <= 4
        assert len(samples) / rate == pytest.approx(task["meta"]["duration"], abs=1 / rate)
        previous_end = 0
        for region, seg in zip(regions, segments):
            v = region["value"]
            assert region["type"] == "labels" and v["labels"] == [seg["kind"]]
            assert previous_end < v["start"] < v["end"] <= task["meta"]["duration"]
            check_chord(seg)
            gap = samples[int(previous_end * rate) + 1:int(v["start"] * rate) - 1]
            sound = samples[int(v["start"] * rate):int(v["end"] * rate)]
            assert np.sqrt(np.mean(sound ** 2)) > 10 * np.sqrt(np.mean(gap ** 2))
            previous_end = v["end"]


def test_text_tasks_stream_a_json_list(tmp_path):
    out = tmp_path / "tasks.json"
    result = run_synth("tasks", "--count", 2500, "--out", out, "--annotated", 0.2,
                       "--label-config", tmp_path / "config.xml")
    assert "Wrote 2500 tasks" in result.output
    tasks = json.loads(out.read_text())
    assert not (tmp_path / "tasks.json.part").exists()
    config = parse_config((tmp_path / "config.xml").read_text())
    assert [t["data"]["ref"] for t in tasks] == list(range(2500))
    annotated = [t for t in tasks if "annotations" in t]
    assert 300 < len(annotated) < 700
    for task in tasks:
        sentiment = task["meta"]["sentiment"]
        assert sentiment in SENTIMENTS
        assert any(verb in task["data"]["text"] for verb in VERBS[sentiment])
    for task in annotated:
        validate_result(task["annotations"][0]["result"], config)
        assert task["annotations"][0]["result"][0]["value"]["choices"] == [task["meta"]["sentiment"]]
    again = tmp_path / "again.json"
    run_synth("tasks", "--count", 2500, "--out", again, "--annotated", 0.2)
    assert again.read_bytes() == out.read_bytes()
