"""The demo project ``make run`` creates (``labelart serve --demo`` / ``labelart init --demo``):
a music project of pieces from ``labelart synth music``, so a fresh install opens on something to
label with the piano roll, the chords-and-beats lane and the score view.

Each piece's audio and MIDI are stored as uploads of the project, and the generator's truth is
the task's pre-annotation (a prediction the annotator starts from and corrects), so the workspace
shows notes, chords and beats at once. Seeding is idempotent: a project with the demo's title is
left alone, and the whole demo is one transaction (it exists completely or not at all).
"""
import tempfile
from pathlib import Path

from sqlalchemy import select

MUSIC_TITLE = "Music demo"
#: Two of each kind (chords, melody, drums): a few seconds of synthesis, a few MB of audio.
MUSIC_COUNT = 6
MUSIC_SEED = 7
#: Sample rate of the demo's audio: enough for the synthesized timbres, half the bytes of 44.1 kHz.
MUSIC_RATE = 22050
MODEL_VERSION = "labelart synth music (the generator's truth)"
DESCRIPTION = ("Synthetic chord progressions, melodies and drum patterns from `labelart synth music`. "
               "Each task starts from the generator's own notes, chords and beats as pre-labels: "
               "play it, check them in the piano roll, fix what you like and submit.")


def seed_music_demo(session, owner, count=MUSIC_COUNT):
    """Create the music demo project owned by ``owner`` unless it exists.

    Returns ``(project, created)``. The caller commits; an error leaves nothing to commit
    (``ImportRejected``/``ValidationError`` from the importer name what is wrong).
    """
    from ..models import Project
    from ..services.importer import import_items
    from ..services.projects import create_project
    from . import music

    existing = session.execute(select(Project).where(Project.title == MUSIC_TITLE).order_by(Project.id)
                               .limit(1)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    project = create_project(session, owner, {"title": MUSIC_TITLE, "description": DESCRIPTION,
                                              "label_config": music.label_config()})
    with tempfile.TemporaryDirectory(prefix="labelart-demo-") as tmp:
        (Path(tmp) / "audio").mkdir()
        items = [_item(session, project.id, music.make_task(MUSIC_SEED, i, tmp, rate=MUSIC_RATE), tmp)
                 for i in range(count)]
        import_items(session, project, iter(items), owner.id)
    return project, True


def _item(session, project_id, task, folder):
    """A task item whose media are uploads of the project and whose truth is the pre-label."""
    from ..services import media

    data = dict(task["data"])
    for field in ("audio", "midi"):
        path = Path(folder) / data[field]
        with open(path, "rb") as stream:
            upload = media.save_upload(session, project_id, _Named(stream, path.name))
        data[field] = f"/data/upload/{upload.id}/{upload.filename}"
    truth = task["annotations"][0]["result"]
    meta = {k: v for k, v in task["meta"].items() if k != "jams"}  # the .jams file is not kept
    return {"data": data, "meta": meta, "predictions": [{"result": truth, "model_version": MODEL_VERSION}]}


class _Named:
    """A file object with a ``filename``, as ``media.save_upload`` expects of an upload."""

    def __init__(self, stream, filename):
        self.stream, self.filename = stream, filename
