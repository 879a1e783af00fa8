"""MIDI export: a zip with one ``<recording>.mid`` (Standard MIDI File, type 1) per task.

Labeled notes only: one track per annotator, or per annotator and note label when a task has
several labels (the track is named ``annotator/label``). Times are exact to a millisecond: the
file runs at 120 BPM with 480 ticks a beat, so a tick is 1/960 s, whatever the music's tempo.
"""
import io

from ._common import zip_chunks
from ._music import recordings, require_music

NAME = "MIDI"
EXT = "zip"
MIMETYPE = "application/zip"
TICKS_PER_BEAT = 480
TEMPO = 500000  # microseconds a beat: 120 BPM, so seconds * 960 = ticks
TICKS_PER_SECOND = TICKS_PER_BEAT * 1e6 / TEMPO


def check(config):
    """Raise ``ValidationError`` unless the config has NoteLabels."""
    require_music(config, NAME, {"NoteLabels"})


def write(tasks, config, project):
    check(config)
    return zip_chunks((f"{stem}.mid", midi_bytes(people)) for stem, _, people in recordings(tasks, config))


def midi_bytes(people):
    """The SMF bytes for ``[(annotator, annotation, events)]``."""
    import mido

    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=TEMPO, time=0)])
    midi.tracks.append(conductor)
    for who, _, events in people:
        groups = {}
        for note in events["notes"]:
            groups.setdefault(note["label"], []).append(note)
        for label, notes in groups.items():
            name = f"{who}/{label}" if label and len(groups) > 1 else who
            midi.tracks.append(_track(name, notes, channel=len(midi.tracks) % 16 if len(midi.tracks) % 16 != 9 else 10))
    out = io.BytesIO()
    midi.save(file=out)
    return out.getvalue()


def _track(name, notes, channel):
    import mido

    timeline = []
    for n in notes:
        timeline.append((round(n["start"] * TICKS_PER_SECOND), 1, n["pitch"], n["velocity"]))
        timeline.append((round(n["end"] * TICKS_PER_SECOND), 0, n["pitch"], 0))
    timeline.sort()  # offs before ons at the same tick, so repeated notes stay separate
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    last = 0
    for tick, on, pitch, velocity in timeline:
        kind = "note_on" if on else "note_off"
        track.append(mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=tick - last))
        last = tick
    return track
