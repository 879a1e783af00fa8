"""Result shapes of the music controls, and the events they stand for.

Each music control writes Label Studio-style regions ``{from_name, to_name, type, value}``:

``notelabels`` (``<NoteLabels>`` on ``<PianoRoll>``), one region per note::

    {"start": 1.5, "end": 2.0, "pitch": 60, "velocity": 96, "notelabels": ["melody"]}

``chordlabels`` (``<ChordLabels>``), one region per chord span; labels are Harte symbols::

    {"start": 0.0, "end": 2.0, "chordlabels": ["A:min7"]}

``fretboard`` (``<Fretboard>``), a fretted shape, named; ``start``/``end`` only on audio::

    {"frets": [null, 0, 2, 0, 1, 0], "tuning": [40, 45, 50, 55, 59, 64],
     "notes": [45, 52, 55, 60, 64], "chord": "A:min7", "start": 0.0, "end": 2.0}

``beats`` (``<Beats>``), one region holding every beat; position 1 is a downbeat::

    {"beats": [{"time": 0.5, "position": 1}, {"time": 1.0, "position": 2}], "bpm": 120.0}

``events_of`` turns a result list into plain event lists (notes, chords, beats, segments, tags,
keys), which every music format reads and writes; ``results_from_events`` goes back, binding each
kind of event to the config's matching control. Export then import gives the same events.
"""
import re
from numbers import Number

from ..errors import ValidationError
from .harmony import MusicError, chord_pitch_classes, fret_notes

MUSIC_TYPES = {"notelabels", "chordlabels", "fretboard", "beats"}
#: Most beats in one ``beats`` region (a 3-hour piece at 100 BPM).
MAX_BEATS = 20_000
#: A key in JAMS' ``key_mode`` form, e.g. ``C:major``, ``F#:minor``, ``N``.
KEY_MODE = re.compile(r"^(N|[A-G][#b]?(:(major|minor|ionian|dorian|phrygian|lydian|mixolydian|aeolian|locrian))?)$")
EVENT_KINDS = ("notes", "chords", "beats", "segments", "tags", "keys", "shapes")


def check_value(value, ctl, rtype, where):
    """Check a music region's value. Raises ValidationError naming the region and the field."""
    if rtype == "notelabels":
        _check_span(value, where)
        pitch = value.get("pitch")
        if not _is_int(pitch) or not 0 <= pitch <= 127:
            raise ValidationError(f"{where}: value.pitch must be a MIDI note number from 0 to 127")
        velocity = value.get("velocity", 100)
        if not _is_int(velocity) or not 1 <= velocity <= 127:
            raise ValidationError(f"{where}: value.velocity must be a whole number from 1 to 127")
    elif rtype == "chordlabels":
        _check_span(value, where)
        if not ctl.labels:  # free entry: any chord, but it must be a chord
            for label in value.get("chordlabels") or []:
                _check_chord(label, where)
    elif rtype == "fretboard":
        _check_fretboard(value, where)
    elif rtype == "beats":
        _check_beats(value, where)


def _check_span(value, where):
    for key in ("start", "end"):
        if not _is_number(value.get(key)) or value[key] < 0:
            raise ValidationError(f"{where}: value.{key} must be a time in seconds (a number, 0 or more)")
    if value["end"] <= value["start"]:
        raise ValidationError(f"{where}: value.end must be after value.start")


def _check_chord(label, where):
    try:
        chord_pitch_classes(label)
    except MusicError as exc:
        raise ValidationError(f"{where}: {exc}") from exc


def _check_fretboard(value, where):
    frets, tuning = value.get("frets"), value.get("tuning")
    if not isinstance(frets, list) or not isinstance(tuning, list) or not all(_is_int(t) for t in tuning):
        raise ValidationError(f"{where}: value.frets and value.tuning must be lists (one entry per string)")
    try:
        notes = fret_notes(frets, tuning)
    except MusicError as exc:
        raise ValidationError(f"{where}: {exc}") from exc
    if sorted(value.get("notes") or []) != sorted(notes):
        raise ValidationError(f"{where}: value.notes {value.get('notes')} do not match the frets "
                              f"(they sound {sorted(notes)})")
    _check_chord(value.get("chord", "N"), where)
    if "start" in value or "end" in value:
        _check_span(value, where)


def _check_beats(value, where):
    beats = value.get("beats")
    if not isinstance(beats, list) or len(beats) > MAX_BEATS:
        raise ValidationError(f"{where}: value.beats must be a list of at most {MAX_BEATS} beats")
    for i, beat in enumerate(beats):
        if not isinstance(beat, dict) or not _is_number(beat.get("time")) or beat["time"] < 0:
            raise ValidationError(f"{where}: value.beats[{i}] needs a time in seconds")
        if not _is_int(beat.get("position", 0)) or beat.get("position", 0) < 0:
            raise ValidationError(f"{where}: value.beats[{i}].position must be 0 (unknown) or the beat in its bar")
    if "bpm" in value and value["bpm"] is not None and (not _is_number(value["bpm"]) or value["bpm"] <= 0):
        raise ValidationError(f"{where}: value.bpm must be a positive number")


def _is_number(x):
    return isinstance(x, Number) and not isinstance(x, bool)


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def uses_music(config):
    """Whether a parsed config has any music tag (and so needs Label.Art's music view)."""
    return any(o.tag == "PianoRoll" for o in config.objects.values()) or any(
        c.type in MUSIC_TYPES for c in config.controls.values())


# ---------------------------------------------------------------- events


def empty_events():
    return {kind: [] for kind in EVENT_KINDS}


def events_of(result, config):
    """Plain event lists from a result list; regions of controls the config lacks are skipped."""
    out = empty_events()
    for region in result or []:
        ctl = config.controls.get(region.get("from_name"))
        value = region.get("value")
        if ctl is None or not isinstance(value, dict):
            continue
        _add_event(out, ctl, value)
    for kind in ("notes", "chords", "segments", "shapes"):
        out[kind].sort(key=lambda e: (e.get("start", 0), e.get("pitch", 0)))
    out["beats"].sort(key=lambda b: b["time"])
    return out


def _add_event(out, ctl, value):
    labels = value.get(ctl.type) if isinstance(value.get(ctl.type), list) else []
    if ctl.type == "notelabels":
        out["notes"].append({"start": float(value["start"]), "end": float(value["end"]), "pitch": int(value["pitch"]),
                             "velocity": int(value.get("velocity", 100)), "label": labels[0] if labels else ""})
    elif ctl.type == "chordlabels":
        for chord in labels:
            out["chords"].append({"start": float(value["start"]), "end": float(value["end"]), "chord": chord})
    elif ctl.type == "fretboard":
        shape = {k: value[k] for k in ("frets", "tuning", "notes", "chord") if k in value}
        if "start" in value:
            shape.update(start=float(value["start"]), end=float(value["end"]))
            out["chords"].append({"start": shape["start"], "end": shape["end"], "chord": value.get("chord", "N")})
        out["shapes"].append(shape)
    elif ctl.type == "beats":
        out["beats"].extend({"time": float(b["time"]), "position": int(b.get("position", 0))}
                            for b in value.get("beats") or [])
        if value.get("bpm"):
            out["bpm"] = float(value["bpm"])
    elif ctl.type == "labels" and _is_number(value.get("start")):
        for label in labels:
            out["segments"].append({"start": float(value["start"]), "end": float(value["end"]), "label": label})
    elif ctl.type == "choices":
        for label in labels:
            (out["keys"] if KEY_MODE.match(label) and ":" in label else out["tags"]).append(label)


def results_from_events(events, config):
    """A result list for ``config`` holding ``events`` (as ``events_of`` gives them). Kinds the
    config has no control for are dropped; notes with labels the control lacks get its first label."""
    result = []
    ctl = _control(config, "NoteLabels")
    for note in events.get("notes") or []:
        if ctl:
            label = note.get("label") or ""
            if ctl.labels and label not in ctl.labels:
                label = sorted(ctl.labels)[0]
            value = {"start": note["start"], "end": note["end"], "pitch": int(note["pitch"]),
                     "velocity": int(note.get("velocity") or 100), "notelabels": [label] if label else []}
            result.append(_region(ctl, value))
    ctl = _control(config, "ChordLabels")
    for chord in events.get("chords") or []:
        if ctl:
            result.append(_region(ctl, {"start": chord["start"], "end": chord["end"], "chordlabels": [chord["chord"]]}))
    ctl = _control(config, "Beats")
    if ctl and events.get("beats"):
        value = {"beats": [{"time": b["time"], "position": int(b.get("position") or 0)} for b in events["beats"]]}
        if events.get("bpm"):
            value["bpm"] = events["bpm"]
        result.append(_region(ctl, value))
    ctl = _control(config, "Labels")
    for seg in events.get("segments") or []:
        if ctl and (not ctl.labels or seg["label"] in ctl.labels):
            result.append(_region(ctl, {"start": seg["start"], "end": seg["end"], "labels": [seg["label"]]}))
    ctl = _control(config, "Choices")
    labels = [t for t in (events.get("tags") or []) + (events.get("keys") or []) if ctl and
              (not ctl.labels or t in ctl.labels)]
    if labels:
        result.append(_region(ctl, {"choices": labels}))
    for n, region in enumerate(result):
        region["id"] = f"m{n}"
    return result


def _control(config, tag):
    return next((c for c in config.controls.values() if c.tag == tag), None)


def _region(ctl, value):
    return {"from_name": ctl.name, "to_name": ctl.to_names[0], "type": ctl.type, "value": value}


def annotator_name(annotation):
    """A stable name for an annotation's author, for tracks and annotation metadata."""
    by = annotation.get("completed_by")
    if isinstance(by, dict):
        return str(by.get("email") or by.get("username") or by.get("id"))
    return f"user {by}" if by is not None else "unknown"
