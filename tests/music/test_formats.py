"""Music exports (JAMS, MIDI, Audacity, Sonic Visualiser): written, validated, read back to the
same events; and imports of MIDI files and audio with sidecar labels through the real endpoint."""
import io
import zipfile

import jams
import pytest

from worker.formats import writer
from worker.formats.jams_export import validate
from worker.formats.music_readers import read_audacity, read_jams, read_midi, read_sonic_visualiser
from worker.labeling.config import parse_config
from worker.music.harmony import MusicError
from worker.music.shapes import events_of, results_from_events
from worker.synth import music

CONFIG_XML = music.label_config()
CONFIG = parse_config(CONFIG_XML)


@pytest.fixture(scope="module")
def pieces():
    """Three synthetic pieces' ground truth (chords, melody, drums) as annotation results."""
    out = []
    for i, make in enumerate((music.chord_progression, music.melody, music.drum_pattern)):
        events = make(music.item_rng(9, i), 100 + 10 * i)
        out.append(results_from_events(events, CONFIG))
    return out


def tasks_of(results, people=("ann@example.org", "bob@example.org")):
    return [{"id": n + 1, "data": {"audio": f"/data/upload/{n}/piece{n}.wav"},
             "annotations": [{"id": 10 * n + k, "completed_by": {"email": who}, "result": result,
                              "created_at": f"2026-01-0{k + 1}"} for k, who in enumerate(people)]}
            for n, result in enumerate(results)]


def export(fmt, tasks):
    data = b"".join(writer(fmt).write(iter(tasks), CONFIG, {"id": 1, "label_config": CONFIG_XML}))
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist()}


def close(a, b, keys):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for key in keys:
            assert x[key] == pytest.approx(y[key], abs=2e-3), (key, x, y)


def test_jams_round_trip_validates_with_the_jams_package(pieces):
    files = export("JAMS", tasks_of(pieces))
    assert sorted(files) == ["piece0.jams", "piece1.jams", "piece2.jams"]
    for n, result in enumerate(pieces):
        raw = files[f"piece{n}.jams"]
        jam = jams.JAMS.loads(raw.decode())
        validate(jam)  # every namespace against the jams package's own schemas
        spaces = {a.namespace for a in jam.annotations}
        assert {"note_midi", "beat_position", "tempo"} <= spaces
        back = read_jams(raw)
        assert set(back) == {"ann@example.org", "bob@example.org"}
        want = events_of(result, CONFIG)
        got = back["ann@example.org"]
        close(sorted(got["notes"], key=lambda e: (e["start"], e["pitch"])), want["notes"],
              ("start", "end", "pitch", "velocity"))
        assert [n["label"] for n in sorted(got["notes"], key=lambda e: (e["start"], e["pitch"]))] == \
            [n["label"] for n in want["notes"]]
        close(got["chords"], want["chords"], ("start", "end"))
        assert [c["chord"] for c in got["chords"]] == [c["chord"] for c in want["chords"]]
        assert got["beats"] == want["beats"] and got["bpm"] == want["bpm"]
        # Import gives back the same result regions.
        assert results_from_events(got, CONFIG) == results_from_events(want, CONFIG)


def test_jams_namespaces_for_segments_tags_and_keys():
    xml = ('<View><Audio name="audio" value="$audio"/><Labels name="part" toName="audio"><Label value="verse"/>'
           '<Label value="chorus"/></Labels><Choices name="key" toName="audio" choice="multiple"><Choice value="C:major"/>'
           '<Choice value="happy"/></Choices></View>')
    cfg = parse_config(xml)
    result = [{"from_name": "part", "to_name": "audio", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["verse"]}},
              {"from_name": "key", "to_name": "audio", "type": "choices", "value": {"choices": ["C:major", "happy"]}}]
    task = {"id": 1, "data": {"audio": "a.wav"}, "annotations": [{"id": 1, "completed_by": 3, "result": result}]}
    raw = b"".join(writer("JAMS").write([task], cfg, {"id": 1}))
    doc = zipfile.ZipFile(io.BytesIO(raw)).read("a.jams")
    jam = jams.JAMS.loads(doc.decode())
    validate(jam)
    assert {a.namespace for a in jam.annotations} == {"segment_open", "tag_open", "key_mode"}
    back = read_jams(doc)["user 3"]
    assert back["segments"] == [{"start": 0.0, "end": 4.0, "label": "verse"}]
    assert back["keys"] == ["C:major"] and back["tags"] == ["happy"]


def test_midi_round_trip_one_track_per_annotator_and_label(pieces):
    files = export("MIDI", tasks_of(pieces))
    for n, result in enumerate(pieces):
        tracks = read_midi(files[f"piece{n}.mid"])
        want = events_of(result, CONFIG)["notes"]
        labels = sorted({x["label"] for x in want})
        names = [name for name, _ in tracks]
        expected = [f"{who}/{label}" if len(labels) > 1 else who
                    for who in ("ann@example.org", "bob@example.org") for label in labels]
        assert sorted(names) == sorted(expected)
        mine = sorted((dict(note, label=name.split("/")[-1] if "/" in name else want[0]["label"])
                       for name, notes in tracks if name.startswith("ann@") for note in notes),
                      key=lambda e: (e["start"], e["pitch"]))
        close(mine, want, ("start", "end", "pitch", "velocity"))
        assert [x["label"] for x in mine] == [x["label"] for x in want]


def test_audacity_round_trip(pieces):
    files = export("AUDACITY", tasks_of(pieces[:1], people=("ann@example.org",)))
    want = events_of(pieces[0], CONFIG)
    assert sorted(files) == ["piece0.ann@example.org.beats.txt", "piece0.ann@example.org.chords.txt",
                             "piece0.ann@example.org.notes.txt"]
    notes = files["piece0.ann@example.org.notes.txt"].decode()
    assert notes.splitlines()[1].startswith("\\\t")  # the spectral line after each note
    got = read_audacity(notes)["notes"]
    close(got, want["notes"], ("start", "end", "pitch"))
    assert [x["label"] for x in got] == [x["label"] for x in want["notes"]]
    assert read_audacity(files["piece0.ann@example.org.chords.txt"])["chords"] == want["chords"]
    assert read_audacity(files["piece0.ann@example.org.beats.txt"])["beats"] == want["beats"]


def test_sonic_visualiser_round_trip(pieces):
    files = export("SONIC_VISUALISER", tasks_of(pieces[1:2], people=("ann@example.org",)))
    want = events_of(pieces[1], CONFIG)
    got = read_sonic_visualiser(files["piece0.ann@example.org.notes.csv"], "notes")["notes"]
    close(got, want["notes"], ("start", "end", "pitch", "velocity"))
    assert read_sonic_visualiser(files["piece0.ann@example.org.beats.csv"], "instants")["beats"] == want["beats"]


def test_readers_name_bad_input():
    with pytest.raises(MusicError, match="not valid JAMS"):
        read_jams(b'{"annotations": [{"namespace": "chord", "data": [{"time": 0, "duration": 1, "value": "H:maj"}]}]}')
    with pytest.raises(MusicError, match="not a Standard MIDI File"):
        read_midi(b"RIFF....")
    with pytest.raises(MusicError, match="line 2"):
        read_audacity("0\t1\tA:min\nzero\t1\tC:maj\n")


def test_exports_refuse_configs_without_music():
    from worker.errors import ValidationError

    cfg = parse_config('<View><Image name="i" value="$i"/><Choices name="c" toName="i"><Choice value="a"/></Choices></View>')
    with pytest.raises(ValidationError, match="MIDI export needs"):
        writer("MIDI").check(cfg)


# ---------------------------------------------------------------- import through the endpoint


@pytest.fixture
def music_project(app, client):
    from tests.service.factories import make_user

    api = make_user(app, client, superuser=True)
    resp = api.post("/api/projects", json={"title": "Music", "label_config": CONFIG_XML})
    assert resp.status_code == 201, resp.get_json()
    return api, resp.get_json()["id"]


def test_import_midi_file_and_audio_with_sidecars(music_project, tmp_path):
    api, pid = music_project
    (tmp_path / "audio").mkdir()
    task = music.make_task(4, 0, tmp_path, kinds=("chords",), rate=8000)
    wav = (tmp_path / "audio/000000.wav").read_bytes()
    jams_doc = (tmp_path / "audio/000000.jams").read_bytes()
    mid = (tmp_path / "audio/000000.mid").read_bytes()
    truth = events_of(task["annotations"][0]["result"], CONFIG)
    files = {"file": [(io.BytesIO(wav), "song.wav"), (io.BytesIO(jams_doc), "song.jams"),
                      (io.BytesIO(mid), "alone.mid")]}
    resp = api.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["task_count"] == 2 and body["prediction_count"] == 2
    tasks = api.get(f"/api/projects/{pid}/tasks?page_size=10").get_json()
    tasks = tasks.get("tasks", tasks) if isinstance(tasks, dict) else tasks
    by_kind = {}
    for t in tasks:
        full = api.get(f"/api/tasks/{t['id']}").get_json()
        by_kind["midi" if full["data"].get("midi") else "audio"] = full
    audio = by_kind["audio"]
    assert audio["data"]["audio"].endswith("/song.wav")
    got = events_of(audio["predictions"][0]["result"], CONFIG)
    assert [c["chord"] for c in got["chords"]] == [c["chord"] for c in truth["chords"]]
    assert got["beats"] == truth["beats"]
    midi_task = by_kind["midi"]
    assert midi_task["data"]["audio"] == "" and midi_task["data"]["midi"].endswith("/alone.mid")
    notes = events_of(midi_task["predictions"][0]["result"], CONFIG)["notes"]
    close(sorted(notes, key=lambda e: (e["start"], e["pitch"])), truth["notes"], ("start", "end", "pitch", "velocity"))


def test_bad_sidecar_rejects_the_whole_import(music_project):
    api, pid = music_project
    files = {"file": [(io.BytesIO(b"RIFF"), "take.wav"), (io.BytesIO(b"0\tone\tverse\n"), "take.txt")]}
    resp = api.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
    assert resp.status_code == 400 and "take.txt, line 1" in str(resp.get_json())
    assert api.get(f"/api/projects/{pid}").get_json()["task_number"] == 0
