"""Music exports (JAMS, MIDI, Audacity, Sonic Visualiser CSV and SVL): written, validated, read back to the
same events; and imports of MIDI files and audio with sidecar labels through the real endpoint."""
import io
import zipfile

import jams
import pytest

from worker.formats import writer
from worker.formats.jams_export import validate
from defusedxml import ElementTree as SafeET

from worker.formats.music_readers import read_audacity, read_jams, read_midi, read_sonic_visualiser, read_svl
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


def test_sonic_visualiser_svl_round_trip(pieces):
    files = export("SONIC_VISUALISER_SVL", tasks_of(pieces, people=("ann@example.org", "bob@example.org")))
    for n, result in enumerate(pieces):
        want = events_of(result, CONFIG)
        for who in ("ann@example.org", "bob@example.org"):
            layers = {name.split(".")[-2]: raw for name, raw in files.items()
                      if name.startswith(f"piece{n}.{who}.") and name.endswith(".svl")}
            assert set(layers) == {k for k in ("notes", "chords", "beats") if want[k]}
            got = {}
            for kind, raw in layers.items():
                assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sonic-visualiser>\n<sv>')
                back = read_svl(raw)
                assert [k for k in ("notes", "chords", "beats", "segments") if back[k]] == [kind]
                got[kind] = back[kind]
            if want["notes"]:
                close(got["notes"], want["notes"], ("start", "end", "pitch", "velocity"))
                assert [x["label"] for x in got["notes"]] == [x["label"] for x in want["notes"]]
            if want["chords"]:
                close(got["chords"], want["chords"], ("start", "end"))
                assert [c["chord"] for c in got["chords"]] == [c["chord"] for c in want["chords"]]
            close(got["beats"], want["beats"], ("time",))
            assert [b["position"] for b in got["beats"]] == [b["position"] for b in want["beats"]]


def test_svl_files_are_sonic_visualiser_layers(pieces):
    """The attributes Sonic Visualiser's own exports carry: a sparse model per layer, its dataset,
    points in sample frames, and a display layer of the matching type."""
    files = export("SONIC_VISUALISER_SVL", tasks_of(pieces[:1], people=("ann@example.org",)))
    want = events_of(pieces[0], CONFIG)
    expect = {"notes": ("notes", "3", "note"), "chords": ("regions", "3", "region"), "beats": ("timeinstants", "1", None)}
    for kind, (layer_type, dims, subtype) in expect.items():
        root = SafeET.fromstring(files[f"piece0.ann@example.org.{kind}.svl"], forbid_dtd=False)
        assert root.tag == "sv"
        (model,) = root.findall("data/model")
        (dataset,) = root.findall("data/dataset")
        (layer,) = root.findall("display/layer")
        assert model.get("type") == "sparse" and model.get("dimensions") == dims and model.get("subtype") == subtype
        assert model.get("sampleRate") == "44100" and model.get("dataset") == dataset.get("id")
        assert dataset.get("dimensions") == dims
        assert layer.get("type") == layer_type and layer.get("model") == model.get("id")
        points = dataset.findall("point")
        assert all(p.get("frame").isdigit() for p in points)
        if kind == "notes":
            first = want["notes"][0]
            assert points[0].get("frame") == str(round(first["start"] * 44100))
            assert points[0].get("value") == str(first["pitch"]) and model.get("units") == "MIDI Pitch"
            assert float(points[0].get("level")) == pytest.approx(first["velocity"] / 127, abs=1e-6)
            assert int(points[0].get("duration")) > 0
        if kind == "chords":
            assert [p.get("label") for p in points] == [c["chord"] for c in want["chords"]]
            assert [p.get("value") for p in points] == [str(i) for i in range(len(points))]
        if kind == "beats":
            assert [p.get("label") for p in points] == [str(b["position"] or "") for b in want["beats"]]
            assert not any(p.get("duration") for p in points)


def test_svl_escapes_labels_and_segments_stay_segments():
    xml = ('<View><Audio name="audio" value="$audio"/><Labels name="part" toName="audio">'
           '<Label value=\'verse &lt;1&gt; &amp; "A"\'/><Label value="C"/></Labels></View>')
    cfg = parse_config(xml)
    label = 'verse <1> & "A"'
    result = [{"from_name": "part", "to_name": "audio", "type": "labels", "value": {"start": 0, "end": 4, "labels": [label]}},
              {"from_name": "part", "to_name": "audio", "type": "labels", "value": {"start": 4, "end": 6.5, "labels": ["C"]}}]
    task = {"id": 1, "data": {"audio": "a.wav"}, "annotations": [{"id": 1, "completed_by": 3, "result": result}]}
    raw = b"".join(writer("SONIC_VISUALISER_SVL").write([task], cfg, {"id": 1}))
    doc = zipfile.ZipFile(io.BytesIO(raw)).read("a.user_3.segments.svl")
    assert b"verse &lt;1&gt; &amp; &quot;A&quot;" in doc
    # "C" alone reads as a chord name, but the layer is named segments: they stay segments.
    assert read_svl(doc)["segments"] == [{"start": 0.0, "end": 4.0, "label": label},
                                         {"start": 4.0, "end": 6.5, "label": "C"}]


def test_svl_reader_names_bad_input():
    head = '<?xml version="1.0"?><!DOCTYPE sonic-visualiser>'
    model = ('<sv><data><model id="1" sampleRate="{rate}" type="sparse" dimensions="3" subtype="note" dataset="0"/>'
             '<dataset id="0" dimensions="3">{points}</dataset></data></sv>')
    good = '<point frame="100" value="60" duration="50" level="0.5" label="x"/>'
    notes = read_svl(head + model.format(rate=100, points=good))["notes"]
    assert notes == [{"start": 1.0, "end": 1.5, "pitch": 60, "velocity": 64, "label": "x"}]
    with pytest.raises(MusicError, match="not valid XML"):
        read_svl(b"<sv><data>")
    with pytest.raises(MusicError, match="not Sonic Visualiser's <sv>"):
        read_svl(b"<svg/>")
    with pytest.raises(MusicError, match="point 1: duration 'abc' is not a number"):
        read_svl(head + model.format(rate=100, points='<point frame="1" value="60" duration="abc"/>'))
    with pytest.raises(MusicError, match="sampleRate 0.0"):
        read_svl(head + model.format(rate=0, points=good))
    with pytest.raises(MusicError, match="outside MIDI"):
        read_svl(head + model.format(rate=100, points='<point frame="1" value="300" duration="5"/>'))
    with pytest.raises(MusicError, match="not a notes, regions or time instants layer"):
        read_svl(head + '<sv><data><model id="1" sampleRate="100" type="sparse" dimensions="2" dataset="0"/>'
                 '<dataset id="0" dimensions="2"/></data><display><layer type="timevalues" model="1"/></display></sv>')
    # Entities are refused (no billion laughs through an SVL sidecar).
    with pytest.raises(MusicError, match="not valid XML"):
        read_svl('<?xml version="1.0"?><!DOCTYPE sv [<!ENTITY a "aaaa">]><sv>&a;</sv>')


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


def test_import_audio_with_svl_sidecars(music_project, tmp_path):
    api, pid = music_project
    (tmp_path / "audio").mkdir()
    task = music.make_task(4, 0, tmp_path, kinds=("chords",), rate=8000)
    truth = events_of(task["annotations"][0]["result"], CONFIG)
    wav = (tmp_path / "audio/000000.wav").read_bytes()
    svl = writer("SONIC_VISUALISER_SVL").layers(truth)
    files = {"file": [(io.BytesIO(wav), "take.wav"), (io.BytesIO(svl["chords"].encode()), "take.chords.svl"),
                      (io.BytesIO(svl["beats"].encode()), "take.beats.svl")]}
    resp = api.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["task_count"] == 1 and resp.get_json()["prediction_count"] == 1
    tasks = api.get(f"/api/projects/{pid}/tasks?page_size=10").get_json()
    tasks = tasks.get("tasks", tasks) if isinstance(tasks, dict) else tasks
    full = api.get(f"/api/tasks/{tasks[0]['id']}").get_json()
    got = events_of(full["predictions"][0]["result"], CONFIG)
    assert [c["chord"] for c in got["chords"]] == [c["chord"] for c in truth["chords"]]
    close(got["beats"], truth["beats"], ("time",))


def test_bad_svl_sidecar_rejects_the_import(music_project):
    api, pid = music_project
    files = {"file": [(io.BytesIO(b"RIFF"), "take.wav"), (io.BytesIO(b"<sv><data>"), "take.svl")]}
    resp = api.post(f"/api/projects/{pid}/import", data=files, content_type="multipart/form-data")
    assert resp.status_code == 400 and "take.svl is not valid XML" in str(resp.get_json())
    assert api.get(f"/api/projects/{pid}").get_json()["task_number"] == 0
