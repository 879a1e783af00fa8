"""Harte naming, tunings and the music result shapes, checked against mir_eval's chord parser."""
import mir_eval
import pytest

from worker.errors import ValidationError
from worker.labeling.config import parse_config
from worker.labeling.results import validate_result
from worker.music.harmony import (MusicError, chord_notes, chord_pitch_classes, fret_notes, name_chord,
                                  note_to_midi, parse_tuning)
from worker.synth.music import label_config

CONFIG = parse_config(label_config())


@pytest.mark.parametrize("frets, chord", [
    ([None, 0, 2, 2, 1, 0], "A:min"), ([None, 0, 2, 0, 1, 0], "A:min7"), ([3, 2, 0, 0, 0, 3], "G:maj"),
    ([None, 3, 2, 0, 1, 0], "C:maj"), ([0, 2, 2, 1, 0, 0], "E:maj"), ([None, None, 0, 2, 3, 2], "D:maj"),
    ([3, 2, 0, 0, 0, 1], "G:7"), ([None, 0, 2, 1, 2, 0], "A:maj7"), ([None, 3, 2, 0, 3, 0], "C:maj(9)"),
    ([0, 2, 2, 0, 0, 0], "E:min"), ([None, 0, 1, 2, 1, 2], "A:dim7"), ([3, 5, 5, None, None, None], "G:5"),
])
def test_guitar_shapes_are_named_in_harte(frets, chord):
    assert name_chord(fret_notes(frets)) == chord


def test_inversions_name_the_bass_degree():
    assert name_chord([64, 67, 72]) == "C:maj/3"
    assert name_chord([55, 60, 64]) == "C:maj/5"
    assert name_chord([]) == "N"


@pytest.mark.parametrize("symbol", ["A:min7", "C:maj/3", "G:7(*5)", "Bb:hdim7", "F#:min", "Eb:maj7/7", "D:sus4"])
def test_pitch_classes_agree_with_mir_eval(symbol):
    root, pcs, bass = chord_pitch_classes(symbol)
    r, bitmap, b = mir_eval.chord.encode(symbol)
    assert root == r and pcs == {(r + i) % 12 for i in range(12) if bitmap[i]} and bass == (r + b) % 12
    # The named voicing of a chord names it back.
    assert name_chord(chord_notes(symbol)) in (symbol, symbol.replace("/7", "/7"))


def test_tunings_and_errors():
    assert parse_tuning("standard") == [40, 45, 50, 55, 59, 64]
    assert parse_tuning("drop-d")[0] == note_to_midi("D2") == 38
    assert parse_tuning("E1 A1 D2 G2") == [28, 33, 38, 43]
    with pytest.raises(MusicError, match="H2"):
        parse_tuning("E2 H2")
    with pytest.raises(MusicError, match="6 strings but the tuning has 4"):
        fret_notes([0] * 6, "bass")
    with pytest.raises(MusicError, match="not a Harte"):
        chord_pitch_classes("Amin7")


def region(rtype, value, name=None):
    names = {"notelabels": "notes", "chordlabels": "chords", "beats": "beats"}
    return {"from_name": name or names[rtype], "to_name": "roll", "type": rtype, "value": value}


def test_valid_music_results_pass():
    validate_result([
        region("notelabels", {"start": 0.5, "end": 1.0, "pitch": 60, "velocity": 90, "notelabels": ["melody"]}),
        region("chordlabels", {"start": 0, "end": 2, "chordlabels": ["A:min7/b3"]}),
        region("beats", {"beats": [{"time": 0.5, "position": 1}, {"time": 1.0, "position": 2}], "bpm": 120}),
    ], CONFIG)


@pytest.mark.parametrize("bad, message", [
    (region("notelabels", {"start": 0.5, "end": 1.0, "pitch": 130, "notelabels": ["melody"]}), "pitch"),
    (region("notelabels", {"start": 1.0, "end": 1.0, "pitch": 60, "notelabels": []}), "after value.start"),
    (region("notelabels", {"start": 0, "end": 1, "pitch": 60, "velocity": 0, "notelabels": []}), "velocity"),
    (region("notelabels", {"start": 0, "end": 1, "pitch": 60, "notelabels": ["flute"]}), "not a label"),
    (region("chordlabels", {"start": 0, "end": 1, "chordlabels": ["Amin"]}), "not a Harte chord"),
    (region("beats", {"beats": [{"time": -1}]}), "beats\\[0\\]"),
    (region("beats", {"beats": [], "bpm": 0}), "bpm"),
])
def test_bad_music_results_name_the_problem(bad, message):
    with pytest.raises(ValidationError, match=message):
        validate_result([bad], CONFIG)


def test_fretboard_notes_must_match_the_frets():
    cfg = parse_config(label_config("diagrams"))
    good = {"frets": [None, 0, 2, 0, 1, 0], "tuning": [40, 45, 50, 55, 59, 64], "notes": [45, 52, 55, 60, 64],
            "chord": "A:min7"}
    validate_result([{"from_name": "shape", "to_name": "diagram", "type": "fretboard", "value": good}], cfg)
    bad = dict(good, notes=[45, 52, 57, 60, 64])
    with pytest.raises(ValidationError, match="do not match the frets"):
        validate_result([{"from_name": "shape", "to_name": "diagram", "type": "fretboard", "value": bad}], cfg)
