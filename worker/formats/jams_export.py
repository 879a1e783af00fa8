"""JAMS export: a zip with one ``<recording>.jams`` per task, validated with the ``jams`` package.

Each annotator's work on a task becomes JAMS annotations in the namespaces of what they labeled:
``note_midi`` (one annotation per note label, named in its sandbox; velocity / 127 as the
confidence), ``chord`` (ChordLabels, and Fretboard shapes on audio regions), ``beat_position``
(every beat has its place in the bar) or ``beat``, ``tempo``, ``segment_open`` (Labels on audio),
``tag_open`` and ``key_mode`` (Choices; labels like ``C:major`` are keys). The annotator is named
in ``annotation_metadata.annotator.name``; fretboard shapes without a time go in the sandbox.
"""
from ._common import zip_chunks
from ._music import recordings, require_music
from .music_readers import VELOCITY_SCALE

NAME = "JAMS"
EXT = "zip"
MIMETYPE = "application/zip"


def check(config):
    """Raise ``ValidationError`` unless the config has a music control or Labels."""
    require_music(config, NAME, {"NoteLabels", "ChordLabels", "Beats", "Fretboard", "Labels", "Choices"})


def write(tasks, config, project):
    check(config)
    return zip_chunks((f"{stem}.jams", document(task, people, project).encode())
                      for stem, task, people in recordings(tasks, config))


def document(task, people, project=None):
    """The JAMS text for one task; raises ``jams.SchemaError`` if it would not validate."""
    import jams

    jam = jams.JAMS()
    ends = [0.0]
    shapes = []
    for who, annotation, events in people:
        for ann in _annotations(events, who, annotation):
            jam.annotations.append(ann)
            ends += [o.time + o.duration for o in ann.data]
        shapes += [dict(s, annotator=who) for s in events["shapes"] if "start" not in s]
    data = task.get("data") or {}
    duration = data.get("duration") if isinstance(data.get("duration"), (int, float)) else None
    jam.file_metadata.duration = float(duration or max(ends) or 0.0)
    jam.file_metadata.title = str(data.get("title") or "")
    jam.file_metadata.identifiers = {"label_art_task": task.get("id"), "project": (project or {}).get("id")}
    jam.sandbox.label_art = {"task": task.get("id"), "fretboard": shapes}
    validate(jam)
    return jam.dumps()


def validate(jam):
    """``jam.validate()`` against the jams package's schemas. Raises ``jams.SchemaError``.

    jams 0.3.5 calls jsonschema's ``iter_errors(instance, schema)``, deprecated in jsonschema 4:
    the warning is about jams' call, not about the document, so it is silenced here only."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"jsonschema\.")
        warnings.filterwarnings("ignore", message=r"Passing a schema to Validator\.iter_errors")
        jam.validate()


def _annotations(events, who, annotation):
    import jams

    def new(namespace, **sandbox):
        ann = jams.Annotation(namespace=namespace, sandbox=jams.Sandbox(**sandbox))
        ann.annotation_metadata = jams.AnnotationMetadata(
            annotator=jams.Curator(name=who), annotation_tools="Label.Art",
            data_source=f"annotation {annotation.get('id')}")
        ann.annotation_metadata.annotator = {"name": who}
        return ann

    out = []
    by_label = {}
    for note in events["notes"]:
        by_label.setdefault(note["label"], []).append(note)
    for label, notes in by_label.items():
        ann = new("note_midi", label=label)
        for n in notes:
            ann.append(time=n["start"], duration=n["end"] - n["start"], value=float(n["pitch"]),
                       confidence=n["velocity"] / VELOCITY_SCALE)
        out.append(ann)
    if events["chords"]:
        ann = new("chord")
        for c in events["chords"]:
            ann.append(time=c["start"], duration=c["end"] - c["start"], value=c["chord"], confidence=1.0)
        out.append(ann)
    if events["beats"]:
        out.append(_beats(new, events["beats"]))
    if events.get("bpm"):
        ann = new("tempo")
        ann.append(time=0.0, duration=0.0, value=events["bpm"], confidence=1.0)
        out.append(ann)
    for namespace, items in (("segment_open", events["segments"]),):
        if items:
            ann = new(namespace)
            for s in items:
                ann.append(time=s["start"], duration=s["end"] - s["start"], value=s["label"], confidence=1.0)
            out.append(ann)
    for namespace, labels in (("tag_open", events["tags"]), ("key_mode", events["keys"])):
        if labels:
            ann = new(namespace)
            for label in labels:
                ann.append(time=0.0, duration=0.0, value=label, confidence=1.0)
            out.append(ann)
    return out


def _beats(new, beats):
    """``beat_position`` when every beat knows its place in the bar, else ``beat``."""
    if all(b["position"] >= 1 for b in beats):
        ann = new("beat_position")
        per_bar = max(b["position"] for b in beats)
        measure = 0
        for b in beats:
            measure += b["position"] == 1
            ann.append(time=b["time"], duration=0.0, confidence=1.0,
                       value={"position": b["position"], "measure": max(measure, 0), "num_beats": per_bar,
                              "beat_units": 4})
        return ann
    ann = new("beat")
    for b in beats:
        ann.append(time=b["time"], duration=0.0, value=b["position"] or None, confidence=1.0)
    return ann
