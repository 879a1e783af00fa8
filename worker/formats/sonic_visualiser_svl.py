"""Sonic Visualiser layer files (SVL): a zip of ``<recording>.<annotator>.<layer>.svl`` per task.

An SVL file is the XML Sonic Visualiser writes with File > Export Annotation Layer and reads with
File > Import Annotation Layer: ``<!DOCTYPE sonic-visualiser><sv><data><model .../><dataset>
<point .../>...</dataset></data><display><layer .../></display></sv>``. Unlike the CSV layers it
keeps what each layer is (notes, regions, time instants), so nothing is guessed on import.

One layer a file, as Sonic Visualiser exports them:
  ``notes``     a note model (``subtype="note"``, 3 dimensions): ``frame``, ``value`` (the MIDI
                pitch, ``units="MIDI Pitch"``), ``duration``, ``level`` (velocity / 127), ``label``
  ``chords``,   region models (``subtype="region"``, 3 dimensions): ``frame``, ``value`` (the
  ``segments``  span's index), ``duration``, ``label`` (the chord's Harte name or the segment label)
  ``beats``     a time-instant model (1 dimension): ``frame``, ``label`` (the place in the bar)
Times are sample frames at ``SAMPLE_RATE``; the file is built with ``xml.etree``, so labels are
escaped, and read back with ``defusedxml`` (``music_readers.read_svl``).
"""
import re
import xml.etree.ElementTree as ET

from ._common import zip_chunks
from ._music import TRACK_TAGS, require_music, track_files
from .music_readers import VELOCITY_SCALE

NAME = "SONIC_VISUALISER_SVL"
EXT = "zip"
MIMETYPE = "application/zip"

#: Frames per second of the exported models. The audio's own rate is not known at export time;
#: Sonic Visualiser maps models to the audio by time, and 1/44100 s is finer than any label.
SAMPLE_RATE = 44100
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sonic-visualiser>\n'
#: Layer kind -> (model attributes, layer type, dataset dimensions).
KINDS = {
    "notes": ({"dimensions": "3", "subtype": "note", "valueQuantization": "1", "units": "MIDI Pitch"}, "notes", "3"),
    "chords": ({"dimensions": "3", "subtype": "region", "valueQuantization": "1", "units": ""}, "regions", "3"),
    "segments": ({"dimensions": "3", "subtype": "region", "valueQuantization": "1", "units": ""}, "regions", "3"),
    "beats": ({"dimensions": "1"}, "timeinstants", "1"),
}


def check(config):
    """Raise ``ValidationError`` unless the config has timed music labels or Labels."""
    require_music(config, NAME, TRACK_TAGS)


def write(tasks, config, project):
    check(config)
    return zip_chunks(track_files(tasks, config, layers, "svl"))


def frame(seconds):
    return int(round(float(seconds) * SAMPLE_RATE))


def layers(events):
    """``{layer: SVL document text}`` for the layers present in ``events``."""
    out = {}
    if events["notes"]:
        out["notes"] = document("notes", [
            {"frame": frame(n["start"]), "value": str(n["pitch"]), "duration": frame(n["end"]) - frame(n["start"]),
             "level": _num(round(n["velocity"] / VELOCITY_SCALE, 6)), "label": _text(n["label"])}
            for n in events["notes"]])
    for kind, key in (("chords", "chord"), ("segments", "label")):
        if events[kind]:
            out[kind] = document(kind, [
                {"frame": frame(e["start"]), "value": str(i), "duration": frame(e["end"]) - frame(e["start"]),
                 "label": _text(e[key])} for i, e in enumerate(events[kind])])
    if events["beats"]:
        out["beats"] = document("beats", [{"frame": frame(b["time"]), "label": str(b["position"] or "")}
                                          for b in events["beats"]])
    return out


def document(kind, points):
    """One SVL file: a model, its dataset of ``points`` (attribute dicts) and the layer showing it."""
    model_attrs, layer_type, dimensions = KINDS[kind]
    root = ET.Element("sv")
    data = ET.SubElement(root, "data")
    start = min(p["frame"] for p in points)
    end = max(p["frame"] + p.get("duration", 0) for p in points)
    model = {"id": "1", "name": kind, "sampleRate": str(SAMPLE_RATE), "start": str(start), "end": str(end),
             "type": "sparse", "resolution": "1", "notifyOnAdd": "true", "dataset": "0", **model_attrs}
    if kind == "notes":
        pitches = [int(p["value"]) for p in points]
        model.update(minimum=str(min(pitches)), maximum=str(max(pitches)))
    elif "subtype" in model_attrs:
        model.update(minimum="0", maximum=str(len(points) - 1))
    ET.SubElement(data, "model", model)
    dataset = ET.SubElement(data, "dataset", {"id": "0", "dimensions": dimensions})
    for point in points:
        ET.SubElement(dataset, "point", {k: str(v) for k, v in point.items()})
    display = ET.SubElement(root, "display")
    ET.SubElement(display, "layer", {"id": "2", "type": layer_type, "name": kind, "model": "1"})
    ET.indent(root)
    return HEADER + ET.tostring(root, encoding="unicode") + "\n"


#: Characters XML 1.0 cannot carry at all, even escaped (a label typed with a stray control key).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(label):
    return _NOT_XML.sub("", str(label or ""))


def _num(value):
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"
