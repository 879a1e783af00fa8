"""What the music export writers share: which tasks and annotations they read, and names.

Every music writer makes a zip with files per task (a recording), named after the task's audio
or MIDI file, and within a file one part per annotator (a JAMS annotation, a MIDI track, a
label file), so several people's labels of one piece travel together.
"""
from ._common import StemNames
from ..errors import ValidationError
from ..music.shapes import annotator_name, events_of

MUSIC_CONTROLS = {"NoteLabels", "ChordLabels", "Beats", "Fretboard"}
#: Object tags whose file names the exported files, in order of preference.
MEDIA_TAGS = ("PianoRoll", "AudioPlus", "Audio", "Image")


def require_music(config, fmt, tags=None):
    """Raise ``ValidationError`` unless the config has a control this format can export."""
    wanted = tags or MUSIC_CONTROLS | {"Labels"}
    if not any(c.tag in wanted for c in config.controls.values()):
        raise ValidationError(f"{fmt} export needs one of {', '.join(sorted(wanted))} in the labeling config")


def media_key(config):
    for tag in MEDIA_TAGS:
        obj = config.first_object(tag)
        if obj is not None:
            return obj.value
    return None


def recordings(tasks, config):
    """Yield ``(stem, task, [(annotator, annotation, events)])`` per task, oldest annotation first;
    cancelled annotations are left out."""
    key, names = media_key(config), StemNames()
    for task in tasks:
        data = task.get("data") or {}
        source = data.get(key) or data.get("midi") or ""
        stem = names.take(source, task.get("id"))
        kept = [a for a in task.get("annotations") or [] if not (a.get("was_cancelled") or a.get("skipped"))]
        kept.sort(key=lambda a: (str(a.get("created_at") or ""), a.get("id") or 0))
        yield stem, task, [(annotator_name(a), a, events_of(a.get("result"), config)) for a in kept]


def safe_part(text):
    """A file-name part from an annotator or label name."""
    out = "".join(ch if ch.isalnum() or ch in "-_@." else "_" for ch in str(text))[:80].strip(".")
    return out or "unknown"


#: Tags that carry timed events the per-track text writers (Audacity, Sonic Visualiser) can export.
TRACK_TAGS = {"NoteLabels", "ChordLabels", "Beats", "Fretboard", "Labels"}


def track_files(tasks, config, tracks_of, ext):
    """Zip entries ``<recording>.<annotator>.<kind>.<ext>`` for each kind ``tracks_of(events)`` returns."""
    for stem, _, people in recordings(tasks, config):
        for who, _, events in people:
            for kind, text in tracks_of(events).items():
                yield f"{stem}.{safe_part(who)}.{kind}.{ext}", text.encode()
