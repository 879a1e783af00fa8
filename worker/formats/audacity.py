"""Audacity label tracks: a zip of ``<recording>.<annotator>.<kind>.txt`` per task.

One label a line, ``start<TAB>end<TAB>label`` in seconds (Audacity's "Import Labels" reads it).
Kinds: ``chords`` and ``segments`` (regions), ``beats`` (points labeled with their place in the
bar), ``notes`` (labeled with the note name and its label, then a spectral line ``\\<TAB>low<TAB>high``
spanning a semitone around the note, so Audacity shows the note's band). Velocity is not kept.
"""
from ..music.harmony import midi_to_hz
from ._common import zip_chunks
from ._music import TRACK_TAGS, require_music, track_files
from .music_readers import note_label

NAME = "AUDACITY"
EXT = "zip"
MIMETYPE = "application/zip"


def check(config):
    """Raise ``ValidationError`` unless the config has timed music labels or Labels."""
    require_music(config, NAME, TRACK_TAGS)


def write(tasks, config, project):
    check(config)
    return zip_chunks(track_files(tasks, config, label_tracks, "txt"))


def label_tracks(events):
    """``{kind: label track text}`` for the kinds present in ``events``."""
    out = {}
    if events["notes"]:
        lines = []
        for n in events["notes"]:
            lines.append(f"{n['start']:.6f}\t{n['end']:.6f}\t{note_label(n)}")
            lines.append(f"\\\t{midi_to_hz(n['pitch'] - 0.5):.3f}\t{midi_to_hz(n['pitch'] + 0.5):.3f}")
        out["notes"] = "\n".join(lines) + "\n"
    for kind, key in (("chords", "chord"), ("segments", "label")):
        if events[kind]:
            out[kind] = "".join(f"{e['start']:.6f}\t{e['end']:.6f}\t{e[key]}\n" for e in events[kind])
    if events["beats"]:
        out["beats"] = "".join(f"{b['time']:.6f}\t{b['time']:.6f}\t{b['position'] or ''}\n" for b in events["beats"])
    return out
