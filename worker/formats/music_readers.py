"""Reading music annotation files into events (see ``worker.music.shapes``).

JAMS (validated with the ``jams`` package), Standard MIDI Files (``mido``), Audacity label
tracks, Sonic Visualiser CSV layers and SVL layer files (XML, parsed with ``defusedxml``). Every reader raises ``MusicError`` naming what is wrong
and caps what it will read, so a hostile file costs little.
"""
import csv
import io
import math
import re

from ..music.harmony import MusicError, chord_pitch_classes, midi_to_name, note_to_midi
from ..music.shapes import KEY_MODE, empty_events

#: Largest annotation file read, and most events taken from one file.
MAX_BYTES = 20 * 1024 * 1024
MAX_EVENTS = 200_000
#: MIDI velocity is kept in JAMS' per-observation confidence as velocity / 127.
VELOCITY_SCALE = 127.0


def _limit(raw, what):
    if len(raw) > MAX_BYTES:
        raise MusicError(f"{what} is larger than {MAX_BYTES // (1024 * 1024)} MiB")


# ---------------------------------------------------------------- JAMS


def read_jams(raw, what="JAMS file"):
    """Events from a JAMS document (bytes or str), one dict per annotator name:
    ``{annotator: events}``. Raises MusicError when it is not valid JAMS."""
    import jams
    from jams.exceptions import JamsError

    from .jams_export import validate

    _limit(raw, what)
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        jam = jams.JAMS.loads(text)
        validate(jam)
    except (JamsError, ValueError, TypeError, KeyError) as exc:
        raise MusicError(f"{what} is not valid JAMS: {str(exc).splitlines()[0][:300]}") from exc
    out = {}
    for ann in jam.annotations:
        who = getattr(ann.annotation_metadata.annotator, "name", None) or "unknown"
        _jams_annotation(ann, out.setdefault(who, empty_events()))
    for events in out.values():  # in time order, as events_of gives them
        for kind in ("notes", "chords", "segments"):
            events[kind].sort(key=lambda e: (e["start"], e.get("pitch", 0)))
        events["beats"].sort(key=lambda b: b["time"])
    return out


def _jams_annotation(ann, events):
    ns, data = ann.namespace, list(ann.data)
    if len(data) > MAX_EVENTS:
        raise MusicError(f"a JAMS {ns} annotation has more than {MAX_EVENTS} observations")
    label = getattr(ann.sandbox, "label", "") or ""
    for obs in data:
        t, d = round(float(obs.time), 6), round(float(obs.duration), 6)
        if ns == "note_midi":
            velocity = round(float(obs.confidence) * VELOCITY_SCALE) if obs.confidence else 100
            events["notes"].append({"start": t, "end": round(t + d, 6), "pitch": int(round(float(obs.value))),
                                    "velocity": max(1, min(127, velocity)), "label": label})
        elif ns == "chord":
            events["chords"].append({"start": t, "end": round(t + d, 6), "chord": obs.value})
        elif ns == "beat_position":
            events["beats"].append({"time": t, "position": int(obs.value["position"])})
        elif ns == "beat":
            events["beats"].append({"time": t, "position": int(obs.value or 0)})
        elif ns == "segment_open":
            events["segments"].append({"start": t, "end": round(t + d, 6), "label": obs.value})
        elif ns == "tag_open":
            events["tags"].append(obs.value)
        elif ns == "key_mode":
            events["keys"].append(obs.value)
        elif ns == "tempo":
            events["bpm"] = float(obs.value)


# ---------------------------------------------------------------- MIDI


def read_midi(raw, what="MIDI file"):
    """Notes per track: ``[(track name, [note events])]``, times in seconds through the file's
    tempo map. Raises MusicError for files mido cannot read."""
    import mido

    _limit(raw, what)
    try:
        midi = mido.MidiFile(file=io.BytesIO(raw))
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise MusicError(f"{what} is not a Standard MIDI File: {exc}") from exc
    if midi.type == 2:
        raise MusicError(f"{what}: type 2 MIDI files (independent sequences) are not supported")
    seconds = _tempo_map(midi)
    tracks, total = [], 0
    for track in midi.tracks:
        name, notes = _track_notes(track, seconds)
        total += len(notes)
        if total > MAX_EVENTS:
            raise MusicError(f"{what} has more than {MAX_EVENTS} notes")
        if notes:
            tracks.append((name, notes))
    return tracks


def _tempo_map(midi):
    """A function from absolute ticks to seconds, honouring every set_tempo in the file."""
    changes, tick = [(0, 500000)], 0
    source = midi.tracks[0] if midi.type == 1 and midi.tracks else [m for t in midi.tracks for m in t]
    for msg in source:
        tick += msg.time
        if msg.type == "set_tempo":
            changes.append((tick, msg.tempo))
    changes.sort(key=lambda c: c[0])
    tpb = midi.ticks_per_beat
    anchors, last_tick, last_sec, tempo = [], 0, 0.0, 500000
    for at, new in changes:
        last_sec += (at - last_tick) * tempo / 1e6 / tpb
        anchors.append((at, last_sec, new))
        last_tick, tempo = at, new

    def seconds(ticks):
        at, sec, tempo_here = anchors[0]
        for anchor in anchors:
            if anchor[0] > ticks:
                break
            at, sec, tempo_here = anchor
        return sec + (ticks - at) * tempo_here / 1e6 / tpb

    return seconds


def _track_notes(track, seconds):
    name, tick, open_notes, notes = "", 0, {}, []
    for msg in track:
        tick += msg.time
        if msg.type == "track_name":
            name = msg.name
        elif msg.type == "note_on" and msg.velocity > 0:
            open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
        elif msg.type in ("note_off", "note_on"):
            stack = open_notes.get((msg.channel, msg.note))
            if stack:
                start, velocity = stack.pop(0)
                if tick > start:
                    notes.append({"start": round(seconds(start), 6), "end": round(seconds(tick), 6),
                                  "pitch": msg.note, "velocity": velocity, "label": ""})
    notes.sort(key=lambda n: (n["start"], n["pitch"]))
    return name, notes


# ---------------------------------------------------------------- Audacity


def read_audacity(raw, kind=None, what="Audacity label track"):
    """Events from an Audacity label track: ``start<TAB>end<TAB>label`` lines, each optionally
    followed by a ``\\<TAB>low_hz<TAB>high_hz`` spectral line. ``kind`` (notes, chords, beats,
    segments) is guessed from the labels when not given. Raises MusicError naming the line."""
    _limit(raw, what)
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    labels = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if parts[0] == "\\":
            if not labels or len(parts) < 3:
                raise MusicError(f"{what}, line {lineno}: a spectral line must follow a label")
            labels[-1]["band"] = (_float(parts[1], lineno, what), _float(parts[2], lineno, what))
            continue
        if len(parts) < 2:
            raise MusicError(f"{what}, line {lineno}: expected start<TAB>end<TAB>label")
        start, end = _float(parts[0], lineno, what), _float(parts[1], lineno, what)
        if end < start:
            raise MusicError(f"{what}, line {lineno}: the end is before the start")
        labels.append({"start": start, "end": end, "label": parts[2].strip() if len(parts) > 2 else ""})
        if len(labels) > MAX_EVENTS:
            raise MusicError(f"{what} has more than {MAX_EVENTS} labels")
    return _labels_to_events(labels, kind or _guess_kind(labels))


def _float(text, lineno, what):
    try:
        value = float(text)
    except ValueError:
        raise MusicError(f"{what}, line {lineno}: {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise MusicError(f"{what}, line {lineno}: {text!r} is not a time")
    return value


_NOTE_LABEL = re.compile(r"^([A-G][#b]?-?\d)(?:\s+(.*))?$")


def _guess_kind(labels):
    if labels and all(l["start"] == l["end"] for l in labels):
        return "beats"
    if labels and all(_NOTE_LABEL.match(l["label"]) or "band" in l for l in labels):
        return "notes"
    if labels and all(_is_chord(l["label"]) for l in labels):
        return "chords"
    return "segments"


def _is_chord(label):
    try:
        return chord_pitch_classes(label) is not None or label in ("N", "X")
    except MusicError:
        return False


def _labels_to_events(labels, kind):
    events = empty_events()
    for l in labels:
        if kind == "beats":
            events["beats"].append({"time": l["start"], "position": int(l["label"]) if l["label"].isdigit() else 0})
        elif kind == "notes":
            match = _NOTE_LABEL.match(l["label"])
            pitch = note_to_midi(match[1]) if match else _band_pitch(l.get("band"))
            events["notes"].append({"start": l["start"], "end": l["end"], "pitch": pitch, "velocity": 100,
                                    "label": (match[2] or "") if match else l["label"]})
        elif kind == "chords":
            events["chords"].append({"start": l["start"], "end": l["end"], "chord": l["label"]})
        else:
            events["segments"].append({"start": l["start"], "end": l["end"], "label": l["label"]})
    return events


def _band_pitch(band):
    if not band or band[0] <= 0:
        raise MusicError("a note label needs a note name (C4) or a spectral selection")
    return int(round(69 + 12 * math.log2(math.sqrt(band[0] * band[1]) / 440.0)))


def note_label(note):
    """The Audacity label text of a note: its name, then its label."""
    return (midi_to_name(note["pitch"]) + (" " + note["label"] if note.get("label") else "")).strip()


# ---------------------------------------------------------------- Sonic Visualiser


def read_sonic_visualiser(raw, kind, what="Sonic Visualiser CSV"):
    """Events from a Sonic Visualiser layer exported as CSV: ``notes`` (time, frequency_hz,
    duration, level, label), ``regions`` (time, value, duration, label; chords when every label
    is a chord symbol) or ``instants`` (time, label). Raises MusicError naming the row."""
    _limit(raw, what)
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    events = empty_events()
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    for n, row in enumerate(rows, start=1):
        try:
            nums = [float(x) for x in row[:4 if kind == "notes" else 3 if kind == "regions" else 1]]
        except ValueError:
            raise MusicError(f"{what}, row {n}: expected numbers, got {row[:4]}") from None
        if kind == "notes":
            if len(row) < 4 or nums[1] <= 0:
                raise MusicError(f"{what}, row {n}: a note needs time, frequency_hz, duration, level")
            events["notes"].append({"start": nums[0], "end": round(nums[0] + nums[2], 6),
                                    "pitch": int(round(69 + 12 * math.log2(nums[1] / 440.0))),
                                    "velocity": max(1, min(127, round(nums[3] * VELOCITY_SCALE))),
                                    "label": row[4] if len(row) > 4 else ""})
        elif kind == "regions":
            label = row[3] if len(row) > 3 else ""
            events["segments"].append({"start": nums[0], "end": round(nums[0] + nums[2], 6), "label": label})
        else:
            label = row[1] if len(row) > 1 else ""
            events["beats"].append({"time": nums[0], "position": int(label) if label.isdigit() else 0})
    if kind == "regions" and events["segments"] and all(_is_chord(s["label"]) for s in events["segments"]):
        events["chords"] = [{"start": s["start"], "end": s["end"], "chord": s["label"]} for s in events["segments"]]
        events["segments"] = []
    return events


#: SVL layer types, and model subtypes when a file has no display part, to the events they hold.
SVL_LAYERS = {"notes": "notes", "regions": "regions", "timeinstants": "instants"}
SVL_SUBTYPES = {"note": "notes", "flexinote": "notes", "region": "regions"}


def read_svl(raw, what="Sonic Visualiser layer file"):
    """Events from a Sonic Visualiser layer file (SVL): note layers become notes, region layers
    chords (when every label is a chord symbol) or segments, time-instant layers beats (labels
    are places in the bar). Frames are turned into seconds at each model's ``sampleRate``.
    Raises MusicError naming what is wrong; other layer kinds (time values, text) are refused."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    _limit(raw, what)
    try:
        # Every SVL file has a bare <!DOCTYPE sonic-visualiser>; entities and external
        # references stay forbidden.
        root = SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise MusicError(f"{what} is not valid XML: {exc}") from exc
    if root.tag != "sv":
        raise MusicError(f"{what}: the root element is <{root.tag}>, not Sonic Visualiser's <sv>")
    models = {m.get("id"): m for m in root.iterfind("data/model")}
    datasets = {d.get("id"): d for d in root.iterfind("data/dataset")}
    shown = {l.get("model"): l.get("type") for l in root.iterfind("display/layer")}
    events, total = empty_events(), 0
    for model_id, model in models.items():
        if model.get("type") != "sparse":
            continue  # dense models are audio or plugin output, not annotations
        kind = SVL_LAYERS.get(shown.get(model_id)) or SVL_SUBTYPES.get(model.get("subtype"))
        if kind is None and model.get("dimensions") == "1":
            kind = "instants"
        if kind is None:
            raise MusicError(f"{what}: model {model_id!r} ({shown.get(model_id) or model.get('subtype') or 'unknown'}) "
                             "is not a notes, regions or time instants layer")
        dataset = datasets.get(model.get("dataset"))
        if dataset is None:
            raise MusicError(f"{what}: model {model_id!r} names dataset {model.get('dataset')!r}, which is missing")
        rate = _svl_number(model.get("sampleRate"), "sampleRate", what)
        if rate <= 0:
            raise MusicError(f"{what}: model {model_id!r} has sampleRate {rate}; it must be above 0")
        points = dataset.findall("point")
        total += len(points)
        if total > MAX_EVENTS:
            raise MusicError(f"{what} has more than {MAX_EVENTS} points")
        in_hz = model.get("units") == "Hz"
        found = empty_events()
        for n, point in enumerate(points, start=1):
            _svl_point(point, kind, rate, in_hz, found, f"{what}, model {model_id!r}, point {n}")
        regions = found.pop("segments")
        # A region layer is chords when Label.Art named it so, or when every label is a chord.
        name = model.get("name", "")
        if regions and (name == "chords" or (name != "segments" and all(_is_chord(r["label"]) for r in regions))):
            events["chords"] += [{"start": r["start"], "end": r["end"], "chord": r["label"]} for r in regions]
        else:
            events["segments"] += regions
        events["notes"] += found["notes"]
        events["beats"] += found["beats"]
    for key in ("notes", "chords", "segments"):
        events[key].sort(key=lambda e: (e["start"], e.get("pitch", 0)))
    events["beats"].sort(key=lambda b: b["time"])
    return events


def _svl_point(point, kind, rate, in_hz, events, where):
    start = _svl_number(point.get("frame"), "frame", where)
    if start < 0:
        raise MusicError(f"{where}: frame {start:g} is before the start")
    t = round(start / rate, 6)
    label = point.get("label") or ""
    if kind == "instants":
        events["beats"].append({"time": t, "position": int(label) if label.isdigit() else 0})
        return
    duration = _svl_number(point.get("duration"), "duration", where)
    if duration <= 0:
        raise MusicError(f"{where}: a {kind[:-1]} needs a duration above 0")
    end = round((start + duration) / rate, 6)
    if kind == "regions":
        events["segments"].append({"start": t, "end": end, "label": label})
        return
    value = _svl_number(point.get("value"), "value", where)
    if in_hz and value <= 0:
        raise MusicError(f"{where}: a frequency of {value:g} Hz is not a note")
    pitch = int(round(69 + 12 * math.log2(value / 440.0))) if in_hz else int(round(value))
    if not 0 <= pitch <= 127:
        raise MusicError(f"{where}: pitch {value:g} is outside MIDI's 0-127")
    level = point.get("level")
    velocity = 100 if level is None else round(_svl_number(level, "level", where) * VELOCITY_SCALE)
    events["notes"].append({"start": t, "end": end, "pitch": pitch, "velocity": max(1, min(127, velocity)),
                            "label": label})


def _svl_number(text, name, where):
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise MusicError(f"{where}: {name} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise MusicError(f"{where}: {name} {text!r} is not a number")
    return value


def is_key(label):
    return bool(KEY_MODE.match(label))
