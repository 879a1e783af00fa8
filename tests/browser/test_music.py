"""The music editor in Chromium: draw and resize a note in the piano roll, tap beats, put a chord
on a span, enter a chord on the fretboard, submit, and read back what was stored; OSC actions
from a real ``labelart osc`` reach the open workspace; a (fake) Web MIDI keyboard picks chords and
records notes; the review page shows music annotations read-only and records verdicts."""
import socket
import subprocess
import sys
import time

import pytest

from worker.synth import music

from .conftest import wait_until
from .helpers import annotations, editor_ready, make_project, task_ids, wait_annotations


def _audio_project(s, tmp_path, title):
    rng = music.item_rng(5, 0)
    events = music.melody(rng, 120, count=8)
    wav = tmp_path / "tune.wav"
    wav.write_bytes(music.wav_bytes(music.render(events, 16000, "organ", 0.0, rng), 16000))
    pid = make_project(s, music.label_config(), title=title)
    with open(wav, "rb") as fh:
        r = s.api("POST", f"/api/projects/{pid}/import", files={"file": ("tune.wav", fh, "audio/wav")})
    assert r.status_code == 201, r.text
    return pid


def _canvas_point(page, selector, expr):
    """Page coordinates of a point a JS expression gives in a canvas's own pixels."""
    box = page.locator(selector).bounding_box()
    x, y = page.evaluate(expr)
    return box["x"] + x, box["y"] + y


def _drag(page, a, b):
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=4)
    page.mouse.move(*b, steps=4)
    page.mouse.up()


def test_piano_roll_note_beats_chord_submit(session_factory, live, tmp_path):
    s = session_factory("annotator")
    pid = _audio_project(s, tmp_path, "Piano roll")
    page = s.go(f"/projects/{pid}/label")
    task_id = editor_ready(page)
    page.wait_for_selector(".music-editor[data-audio='ready']")
    roll = "window.MusicEditor.current.roll"
    pitch = page.evaluate(f"{roll}.topPitch - 6")
    # Draw a note from 1.0 s to 1.5 s, then resize it to end at 2.0 s.
    a = _canvas_point(page, ".pianoroll-canvas", f"[{roll}.x(1.0) + 1, {roll}.y({pitch}) + 5]")
    b = _canvas_point(page, ".pianoroll-canvas", f"[{roll}.x(1.5), {roll}.y({pitch}) + 5]")
    _drag(page, a, b)
    assert page.evaluate(f"{roll}.notes.length") == 1
    edge = _canvas_point(page, ".pianoroll-canvas", f"[{roll}.x({roll}.notes[0].end) - 2, {roll}.y({pitch}) + 5]")
    end = _canvas_point(page, ".pianoroll-canvas", f"[{roll}.x(2.0), {roll}.y({pitch}) + 5]")
    _drag(page, edge, end)
    note = page.evaluate(f"{roll}.notes[0]")
    assert note["start"] == pytest.approx(1.0, abs=0.02) and note["end"] == pytest.approx(2.0, abs=0.02)
    assert note["pitch"] == pitch and note["label"] == "melody"

    # Tap along while the audio plays: a downbeat, then three beats, half a second apart.
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => window.MusicAudio.playing && window.MusicAudio.now() > 0.2")
    for key in ("v", "b", "b", "b"):
        page.keyboard.press(key)
        page.wait_for_timeout(500)
    page.get_by_role("button", name="Stop").click()
    assert "BPM" in page.inner_text(".tempo")

    # A chord on the span 0-2 s, picked by typing its Harte name.
    tl = "window.MusicEditor.current.timeline"
    _drag(page, _canvas_point(page, ".timeline-canvas", f"[{tl}.x(0.02), 20]"),
          _canvas_point(page, ".timeline-canvas", f"[{tl}.x(2.0), 20]"))
    page.fill(".chord-input", "A:min7")
    page.press(".chord-input", "Enter")
    assert page.evaluate(f"{tl}.chords.map(c => c.chord)") == ["A:min7"]
    page.wait_for_timeout(200)
    s.shot("music-piano-roll")
    page.get_by_role("button", name="Submit").click()
    ann = wait_annotations(live, pid, 1)[0]
    assert ann["task"] == task_id and ann["lead_time"] > 0 and ann["key"]
    by_type = {}
    for region in ann["result"]:
        by_type.setdefault(region["type"], []).append(region["value"])
    (stored,) = by_type["notelabels"]
    assert stored["pitch"] == pitch and stored["notelabels"] == ["melody"]
    assert stored["start"] == pytest.approx(1.0, abs=0.02) and stored["end"] == pytest.approx(2.0, abs=0.02)
    (chord,) = by_type["chordlabels"]
    assert chord["chordlabels"] == ["A:min7"] and chord["end"] == pytest.approx(2.0, abs=0.1)
    (beats,) = by_type["beats"]
    assert [b["position"] for b in beats["beats"]] == [1, 2, 3, 4]
    gaps = [b["time"] - a["time"] for a, b in zip(beats["beats"], beats["beats"][1:])]
    # Taps are ~0.55 s apart in playback time; a loaded 2-core machine can delay one key
    # press by several hundred ms, so only order and plausibility are asserted here.
    assert all(0.2 < g < 2.0 for g in gaps), gaps
    assert 25 < beats["bpm"] < 300
    assert not s.errors


def test_fretboard_names_chord_on_image(session_factory, live, tmp_path):
    s = session_factory("annotator")
    (tmp_path / "images").mkdir()
    task = music.make_diagram_task(1, 8, tmp_path)  # an A:min7 diagram
    pid = make_project(s, music.label_config("diagrams"), title="Chord diagrams")
    with open(tmp_path / task["data"]["image"], "rb") as fh:
        r = s.api("POST", f"/api/projects/{pid}/import", files={"file": ("amin7.png", fh, "image/png")})
    assert r.status_code == 201, r.text
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    fb = "window.MusicEditor.current.fretboard"
    for string, fret in ((1, 0), (2, 2), (3, 0), (4, 1), (5, 0)):
        page.mouse.click(*_canvas_point(page, ".fretboard-canvas", f"(p => [p.x, p.y])({fb}.cell({string}, {fret}))"))
    assert page.inner_text(".fret-chord") == "A:min7"
    # The browser names chords exactly as worker/music/harmony.py does.
    from worker.music.harmony import fret_notes, name_chord
    shapes = [[None if f is None else f + k for f in shape] for shape in music.GUITAR_SHAPES for k in (0, 2)]
    voicings = [fret_notes(shape) for shape in shapes] + [[64, 67, 72], [55, 60, 64, 70], [40, 47, 52, 56, 62]]
    assert page.evaluate("v => v.map(n => MusicHarmony.nameChord(n))", voicings) == [name_chord(v) for v in voicings]
    assert "A2 (45)" in page.inner_text(".fret-notes")
    s.shot("music-fretboard")
    page.keyboard.press("Control+Enter")
    ann = wait_annotations(live, pid, 1)[0]
    (region,) = ann["result"]
    assert region["type"] == "fretboard" and region["value"]["chord"] == "A:min7"
    assert region["value"]["frets"] == [None, 0, 2, 0, 1, 0]
    assert region["value"]["notes"] == [45, 52, 55, 60, 64]


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_osc_drives_open_workspace(session_factory, live, tmp_path):
    from pythonosc.udp_client import SimpleUDPClient

    s = session_factory("annotator")
    pid = _audio_project(s, tmp_path, "OSC")
    page = s.go(f"/projects/{pid}/label")
    editor_ready(page)
    port = _free_udp_port()
    osc = subprocess.Popen([sys.executable, "-m", "worker", "osc", "--url", live.url, "--port", str(port),
                            "--token", live.users["annotator"]["token"]],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "Listening for OSC" in osc.stdout.readline()
        client = SimpleUDPClient("127.0.0.1", port)
        page.wait_for_timeout(500)  # the page's event stream is open
        client.send_message("/labelart/label", "bass")
        page.wait_for_function("() => document.querySelector('.music-labels [data-label=bass]')"
                               ".getAttribute('aria-checked') === 'true'")
        client.send_message("/labelart/beat", 1)
        client.send_message("/labelart/beat", [])
        page.wait_for_function("() => window.MusicEditor.current.timeline.beats.length === 2")
        client.send_message("/labelart/label", "A:min7")  # a chord name fills the chord picker
        page.wait_for_function("() => document.querySelector('.chord-input').value === 'A:min7'")
        client.send_message("/labelart/submit", [])
        ann = wait_annotations(live, pid, 1)[0]
        (beats,) = [r["value"] for r in ann["result"] if r["type"] == "beats"]
        # Taps while the audio is stopped all land at the playhead; one of them is the downbeat.
        assert sorted(b["position"] for b in beats["beats"]) == [0, 1]
    finally:
        osc.terminate()
        osc.wait(10)


# A Web MIDI keyboard for a machine without one: navigator.requestMIDIAccess answers with one
# input port, and the test fires its onmidimessage with raw note-on/note-off bytes, exactly what
# the browser hands the page for a real device. Everything after the port is the workspace's code.
FAKE_MIDI = """
(() => {
  const input = {id: 'fake-keys', name: 'Fake keyboard', manufacturer: 'tests', type: 'input',
                 state: 'connected', connection: 'open', onmidimessage: null};
  const fake = window.__fakeMidi = {input, requests: 0,
    send(bytes) {
      if (!input.onmidimessage) throw new Error('nobody listens to the MIDI input');
      input.onmidimessage({data: new Uint8Array(bytes), timeStamp: performance.now(), target: input});
    }};
  Object.defineProperty(navigator, 'requestMIDIAccess', {configurable: true, value: async () => {
    fake.requests++;
    return {inputs: new Map([[input.id, input]]), outputs: new Map(), sysexEnabled: false, onstatechange: null};
  }});
})();
"""
NOTE_ON, NOTE_OFF = 0x90, 0x80


def _midi(page, *messages):
    page.evaluate("msgs => msgs.forEach(m => window.__fakeMidi.send(m))", [list(m) for m in messages])


def test_web_midi_chord_picks_label_and_notes_record_while_playing(session_factory, live, tmp_path):
    s = session_factory("annotator")
    pid = _audio_project(s, tmp_path, "Web MIDI")
    s.page.add_init_script(FAKE_MIDI)
    page = s.go(f"/projects/{pid}/label")
    task_id = editor_ready(page)
    page.wait_for_selector(".music-editor[data-audio='ready']")
    page.get_by_role("button", name="MIDI").click()
    page.wait_for_function("() => document.getElementById('ws-status').textContent.includes('listening to 1 input')")
    assert page.evaluate("window.__fakeMidi.requests") == 1

    # A chord played with the audio stopped names itself: it fills the chord picker and lands on
    # the span selected on the chords lane. A3 C4 E4 G4 is A:min7; the note-on of one key is
    # sent with velocity 0 (running note-off, as many keyboards do) to release it.
    tl = "window.MusicEditor.current.timeline"
    _drag(page, _canvas_point(page, ".timeline-canvas", f"[{tl}.x(0.02), 20]"),
          _canvas_point(page, ".timeline-canvas", f"[{tl}.x(2.0), 20]"))
    _midi(page, (NOTE_ON, 57, 96), (NOTE_ON, 60, 90), (NOTE_ON, 64, 88), (NOTE_ON, 67, 80))
    page.wait_for_selector(".music-editor[data-midi-chord='A:min7']")
    assert page.input_value(".chord-input") == "A:min7"
    assert page.evaluate(f"{tl}.chords.map(c => c.chord)") == ["A:min7"]
    _midi(page, (NOTE_OFF, 57, 0), (NOTE_OFF, 60, 0), (NOTE_ON, 64, 0), (NOTE_OFF, 67, 0))
    roll = "window.MusicEditor.current.roll"
    assert page.evaluate(f"{roll}.notes.length") == 0  # not playing: nothing is recorded

    # Notes played while the audio plays are recorded at the playhead, for as long as they are held.
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => window.MusicAudio.playing && window.MusicAudio.now() > 0.3")
    played = []
    for pitch, velocity in ((72, 90), (76, 110)):
        at = page.evaluate("window.MusicAudio.now()")
        _midi(page, (NOTE_ON, pitch, velocity))
        page.wait_for_timeout(350)
        _midi(page, (NOTE_OFF, pitch, 64))
        played.append((pitch, velocity, at, page.evaluate("window.MusicAudio.now()")))
    page.get_by_role("button", name="Stop").click()
    notes = page.evaluate(f"{roll}.notes.map(n => ({{pitch: n.pitch, start: n.start, end: n.end, velocity: n.velocity, label: n.label}}))")
    assert [n["pitch"] for n in notes] == [72, 76]
    for note, (pitch, velocity, on_at, off_at) in zip(notes, played):
        assert note["velocity"] == velocity and note["label"] == "melody"
        # A loaded 2-core machine delays the page a little: times are checked against the
        # playhead read just before each note-on and just after its note-off.
        assert on_at - 0.05 <= note["start"] <= on_at + 0.5, (note, on_at)
        assert note["start"] + 0.2 < note["end"] <= off_at + 0.05, (note, off_at)
    assert notes[0]["end"] <= notes[1]["start"]
    page.wait_for_timeout(200)
    s.shot("music-web-midi")

    page.get_by_role("button", name="Submit").click()
    ann = wait_annotations(live, pid, 1)[0]
    assert ann["task"] == task_id
    by_type = {}
    for region in ann["result"]:
        by_type.setdefault(region["type"], []).append(region["value"])
    assert [(v["pitch"], v["velocity"], v["notelabels"]) for v in by_type["notelabels"]] == \
        [(72, 90, ["melody"]), (76, 110, ["melody"])]
    (chord,) = by_type["chordlabels"]
    assert chord["chordlabels"] == ["A:min7"] and chord["end"] == pytest.approx(2.0, abs=0.1)
    assert not s.errors


# ---------------------------------------------------------------- review

def _pixel(page, selector, x, y):
    """The RGB of a canvas pixel at (x, y) in CSS pixels: what was really drawn."""
    return page.eval_on_selector(selector, "(c, [x, y]) => { const d = window.devicePixelRatio || 1;"
                                 " return Array.from(c.getContext('2d').getImageData(Math.round(x * d),"
                                 " Math.round(y * d), 1, 1).data).slice(0, 3); }", [x, y])


def _review_project(s, tmp_path):
    """Two recordings of a chord progression, each annotated by the annotator through the API
    (notes, chords, beats, and fretboard shapes on the first two chord spans)."""
    from worker.labeling.config import parse_config
    from worker.music.harmony import fret_notes, name_chord, parse_tuning
    from worker.music.shapes import results_from_events

    config = music.label_config().replace(
        "</View>", '  <Fretboard name="shape" toName="roll" tuning="standard" frets="12"/>\n</View>')
    rng = music.item_rng(3, 0)
    events = music.chord_progression(rng, 120, bars=4)
    wav = music.wav_bytes(music.render(events, 16000, "organ", 0.0, rng), 16000)
    pid = make_project(s, config, title="Music review")
    files = [("file", (f"prog{i}.wav", wav, "audio/wav")) for i in (1, 2)]
    r = s.api("POST", f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 201, r.text
    result = results_from_events(events, parse_config(config))
    tuning = parse_tuning("standard")
    for n, frets in enumerate(([None, 0, 2, 2, 1, 0], [None, 3, 2, 0, 1, 0])):
        notes = fret_notes(frets, tuning)
        span = events["chords"][n]
        result.append({"id": f"f{n}", "from_name": "shape", "to_name": "roll", "type": "fretboard",
                       "value": {"frets": frets, "tuning": tuning, "notes": notes, "chord": name_chord(notes),
                                 "start": span["start"], "end": span["end"]}})
    for tid in task_ids(s.live, pid):
        r = s.api("POST", f"/api/tasks/{tid}/annotations", token_user="annotator", json={"result": result})
        assert r.status_code == 201, r.text
    return pid, events


def test_review_shows_music_read_only_then_accept_and_fix(session_factory, live, tmp_path):
    mgr = session_factory("manager")
    pid, events = _review_project(mgr, tmp_path)
    first, second = (a["id"] for a in annotations(live, pid))
    s = session_factory("reviewer")
    page = s.go(f"/projects/{pid}/review")
    page.wait_for_function(f"() => document.getElementById('editor').dataset.ready === '{first}'")
    page.wait_for_selector(".music-editor.read-only[data-mode='review'][data-audio='ready']")
    assert "by annotator" in page.inner_text("#review-info") and "2 waiting" in page.inner_text("#review-info")
    # The music views, not the Label Studio editor, and no Submit of their own.
    assert page.locator(".pianoroll-canvas").count() == 1 and page.locator(".lsf-holder").count() == 0
    assert page.locator(".music-submit").count() == 0 and not page.locator(".chord-picker").is_visible()
    ed = "window.MusicEditor.current"
    assert page.evaluate(f"{ed}.roll.notes.length") == len(events["notes"])
    assert page.evaluate(f"{ed}.timeline.chords.map(c => c.chord)") == [c["chord"] for c in events["chords"]]
    assert page.evaluate(f"{ed}.timeline.beats.length") == len(events["beats"])
    # The fretboard shows the first span's shape; clicking the second chord shows its shape.
    assert page.inner_text(".fret-chord") == "A:min"
    tl = f"{ed}.timeline"
    mid = (events["chords"][1]["start"] + events["chords"][1]["end"]) / 2
    page.mouse.click(*_canvas_point(page, ".timeline-canvas", f"[{tl}.x({mid}), 18]"))
    assert page.inner_text(".fret-chord") == "C:maj"

    # Notes and chords are really drawn: with the spectrogram off, a note's middle is coloured
    # and an empty row is grey; a chord span is filled with the lane's chord colour.
    page.get_by_label("spectrogram").uncheck()
    roll = f"{ed}.roll"
    note = page.evaluate(f"""(() => {{ const r = {roll}, bottom = r.pitchAt(r.canvas.clientHeight) + 1;
        const n = r.notes.find(n => n.pitch < r.topPitch - 1 && n.pitch > bottom && r.x(n.end) < r.canvas.clientWidth);
        return {{x: r.x((n.start + n.end) / 2), y: r.y(n.pitch) + r.rowH / 2, pitch: n.pitch,
                 free: r.y([...Array(40).keys()].map(k => r.topPitch - k).find(p => !r.notes.some(m => m.pitch === p)))
                       + r.rowH / 2}}; }})()""")
    page.wait_for_timeout(100)
    colour = _pixel(page, ".pianoroll-canvas", note["x"], note["y"])
    empty = _pixel(page, ".pianoroll-canvas", note["x"] + 3, note["free"])
    assert max(colour) - min(colour) > 60, colour
    assert max(empty) - min(empty) < 20, empty
    chord_x = page.evaluate(f"{tl}.x({events['chords'][0]['start']}) + 6")
    page.keyboard.press("Escape")
    assert _pixel(page, ".timeline-canvas", chord_x, 8) == [0xdf, 0xe6, 0xff]

    # Read-only: dragging on the grid draws nothing, B taps no beat, the fretboard ignores clicks.
    before = page.evaluate(f"{roll}.notes.length")
    _drag(page, (note["x"] + 200, note["free"]), (note["x"] + 260, note["free"]))
    page.keyboard.press("b")
    page.mouse.click(*_canvas_point(page, ".fretboard-canvas", f"(p => [p.x, p.y])({ed}.fretboard.cell(0, 3))"))
    assert page.evaluate(f"{roll}.notes.length") == before
    assert page.evaluate(f"{ed}.timeline.beats.length") == len(events["beats"])
    assert page.inner_text(".fret-chord") == "C:maj"
    page.get_by_label("spectrogram").check()
    page.wait_for_timeout(300)
    s.shot("music-review")

    page.get_by_role("button", name="Accept").click()
    wait_until(lambda: annotations(live, pid)[0]["review_status"] == "accepted")
    assert annotations(live, pid)[0]["reviewed_by"] == live.users["reviewer"]["id"]

    # Fix: unlock the views, delete a note, save: the stored result loses that note.
    page.wait_for_function(f"() => document.getElementById('editor').dataset.ready === '{second}'")
    page.wait_for_selector(".music-editor.read-only[data-audio='ready']")
    page.get_by_role("button", name="Edit to fix").click()
    assert page.locator(".music-editor.read-only").count() == 0 and page.locator(".chord-picker").is_visible()
    target = page.evaluate(f"""(() => {{ const r = {roll}, n = r.notes.find(n => n.pitch < r.topPitch - 1
        && r.x(n.end) < r.canvas.clientWidth && n.pitch > r.pitchAt(r.canvas.clientHeight) + 1);
        return {{x: r.x(n.start) + 4, y: r.y(n.pitch) + r.rowH / 2, pitch: n.pitch, start: n.start}}; }})()""")
    box = page.locator(".pianoroll-canvas").bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.keyboard.press("Delete")
    page.get_by_role("button", name="Save fix").click()
    wait_until(lambda: annotations(live, pid)[1]["review_status"] == "fixed")
    stored = [r["value"] for r in annotations(live, pid)[1]["result"] if r["type"] == "notelabels"]
    assert len(stored) == len(events["notes"]) - 1
    assert not any(v["pitch"] == target["pitch"] and abs(v["start"] - target["start"]) < 1e-6 for v in stored)
    page.wait_for_selector("#done:not([hidden])")
    assert not s.errors
