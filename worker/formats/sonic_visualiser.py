"""Sonic Visualiser CSV layers: a zip of ``<recording>.<annotator>.<layer>.csv`` per task.

As Sonic Visualiser exports layers (no header): ``notes`` (``time,frequency_hz,duration,level,label``;
level is velocity / 127), ``chords`` and ``segments`` as region layers (``time,value,duration,label``;
the value is the region's index), ``beats`` as a time-instant layer (``time,label``, the label
being the beat's place in the bar). File > Import Annotation Layer reads each.
"""
import csv
import io

from ..music.harmony import midi_to_hz
from ._common import zip_chunks
from ._music import TRACK_TAGS, require_music, track_files
from .music_readers import VELOCITY_SCALE

NAME = "SONIC_VISUALISER"
EXT = "zip"
MIMETYPE = "application/zip"


def check(config):
    """Raise ``ValidationError`` unless the config has timed music labels or Labels."""
    require_music(config, NAME, TRACK_TAGS)


def write(tasks, config, project):
    check(config)
    return zip_chunks(track_files(tasks, config, layers, "csv"))


def layers(events):
    """``{layer: csv text}`` for the layers present in ``events``."""
    out = {}
    if events["notes"]:
        out["notes"] = _csv([n["start"], round(midi_to_hz(n["pitch"]), 4), round(n["end"] - n["start"], 6),
                             round(n["velocity"] / VELOCITY_SCALE, 6), n["label"]] for n in events["notes"])
    for kind, key in (("chords", "chord"), ("segments", "label")):
        if events[kind]:
            out[kind] = _csv([e["start"], i, round(e["end"] - e["start"], 6), e[key]]
                             for i, e in enumerate(events[kind]))
    if events["beats"]:
        out["beats"] = _csv([b["time"], b["position"] or ""] for b in events["beats"])
    return out


def _csv(rows):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()
