"""Music files in an import: MIDI files become tasks, and an audio file's sidecar labels
(``song.jams``, ``song.mid``, ``song.svl``, ``song.txt`` or ``song.chords.txt`` beside ``song.wav``) become
its pre-annotations (a prediction the annotator starts from).

The import endpoint calls ``take_music_files`` on the uploaded files and ``music_sources`` on the
sources it built; both only look at music files, so other imports are untouched. Everything still
goes through the importer's validation in the same transaction: a bad sidecar rejects the import.
"""
import io
import posixpath

import orjson
from werkzeug.utils import secure_filename

from ..errors import ImportRejected
from ..labeling.config import parse_config
from ..music.harmony import MusicError
from ..music.shapes import empty_events, results_from_events
from .music_readers import read_audacity, read_jams, read_midi, read_svl

MIDI_EXTS = {"mid", "midi", "smf"}
SIDECAR_EXTS = MIDI_EXTS | {"jams", "txt", "svl"}
AUDIO_EXTS = {"wav", "mp3", "ogg", "flac", "m4a", "aac", "opus", "webm"}
#: Label-track kinds a sidecar may name before its extension (``song.beats.txt``).
KINDS = ("notes", "chords", "beats", "segments")


def _split(filename):
    # The stored upload's name went through secure_filename; sidecars must match it.
    base = secure_filename(posixpath.basename(filename or "")) or ""
    stem, _, ext = base.rpartition(".")
    return (stem, ext.lower()) if stem else (base, "")


def _sidecar_stem(stem):
    """``song.chords`` -> (``song``, ``chords``); ``song`` -> (``song``, None)."""
    head, _, tail = stem.rpartition(".")
    return (head, tail) if head and tail in KINDS else (stem, None)


def take_music_files(storages):
    """Split uploads into (others, music): MIDI files, and sidecars whose stem matches an audio
    upload's. A lone ``.txt`` with no audio beside it stays a text task."""
    audio_stems = {_split(s.filename)[0] for s in storages if _split(s.filename)[1] in AUDIO_EXTS}
    others, music = [], []
    for storage in storages:
        stem, ext = _split(storage.filename)
        if ext in MIDI_EXTS or (ext in SIDECAR_EXTS and _sidecar_stem(stem)[0] in audio_stems):
            music.append(storage)
        else:
            others.append(storage)
    return others, music


def music_sources(session, project, sources, music):
    """The import's sources with music folded in: audio sources that have sidecars and lone MIDI
    files become one-task JSON sources carrying their pre-annotations. Raises ImportRejected."""
    if not music:
        return sources
    from ..services import media

    config = parse_config(project.label_config)
    sidecars = {}
    for storage in music:
        stem, ext = _split(storage.filename)
        base, kind = _sidecar_stem(stem)
        sidecars.setdefault(base, []).append((storage, ext, kind))
    out = []
    for index, source in enumerate(sources):
        fmt, upload, upload_id = source
        stem = _split(getattr(upload, "filename", ""))[0] if fmt == "media" else None
        if stem in sidecars:
            item = {"data": media.task_item_for(config, upload, index)}
            events = _merge(_read(s, ext, kind) for s, ext, kind in sidecars.pop(stem))
            item["predictions"] = [_prediction(events, config, stem)]
            out.append(("json", io.BytesIO(orjson.dumps(item)), upload_id))
        else:
            out.append(source)
    for stem, files in sidecars.items():
        for storage, ext, _ in files:
            if ext not in MIDI_EXTS:
                raise ImportRejected(f"{storage.filename}: no audio file named {stem}.* in this import to attach it to")
            out.append(_midi_task(session, project, config, storage, len(out)))
    return out


def _read(storage, ext, kind):
    raw = storage.stream.read()
    storage.stream.seek(0)
    try:
        if ext == "jams":
            return _merge(read_jams(raw, storage.filename).values())
        if ext in MIDI_EXTS:
            return _midi_events(raw, storage.filename)
        if ext == "svl":
            return read_svl(raw, storage.filename)
        return read_audacity(raw, kind, storage.filename)
    except MusicError as exc:
        raise ImportRejected(str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"{storage.filename} is not UTF-8 text") from exc


def _midi_events(raw, filename):
    events = empty_events()
    for name, notes in read_midi(raw, filename):
        # Label.Art's MIDI export names tracks "annotator/label": take the label back.
        label = name.split("/", 1)[1] if "/" in name else ""
        events["notes"] += [dict(n, label=label) for n in notes]
    events["notes"].sort(key=lambda n: (n["start"], n["pitch"]))
    return events


def _merge(many):
    out = empty_events()
    for events in many:
        for kind, items in events.items():
            if isinstance(items, list):
                out[kind] += items
            else:
                out[kind] = items
    return out


def _prediction(events, config, source):
    return {"result": results_from_events(events, config), "model_version": f"import:{source}"[:200]}


def _midi_task(session, project, config, storage, index):
    """A task for a lone MIDI file: the file is stored, its notes are the pre-annotation."""
    from ..services import media

    obj = config.first_object("PianoRoll")
    if obj is None:
        raise ImportRejected(f"{storage.filename}: importing MIDI needs a <PianoRoll> in the labeling config", index)
    raw = storage.stream.read()
    try:
        events = _midi_events(raw, storage.filename)
    except MusicError as exc:
        raise ImportRejected(str(exc), index) from exc
    storage.stream = io.BytesIO(raw)
    upload = media.save_upload(session, project.id, storage)
    url = f"/data/upload/{upload.id}/{upload.filename}"
    # The piano roll reads notes from the MIDI field and shows no audio when the audio field is empty.
    data = {obj.value: "", midi_field(project.label_config) or "midi": url}
    item = {"data": data, "predictions": [_prediction(events, config, storage.filename)]}
    return ("json", io.BytesIO(orjson.dumps(item)), upload.id)


def midi_field(label_config):
    """The task field named by ``<PianoRoll midi="$field">``, or None."""
    from defusedxml import ElementTree as SafeET

    root = SafeET.fromstring(label_config, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    for el in root.iter("PianoRoll"):
        value = el.get("midi", "")
        if value.startswith("$"):
            return value[1:]
    return None
