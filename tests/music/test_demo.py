"""The demo project `make run` creates: `labelart init --demo` (what `labelart serve --demo` runs
first) against a fresh data directory, twice. The first run makes one music project whose tasks
play their stored audio and start from the generator's truth; the second adds nothing."""
import os
import subprocess
import sys

import orjson
from sqlalchemy import func, select

from worker.labeling.config import parse_config
from worker.music.shapes import events_of
from worker.synth import demo, music


def _init_demo(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["LABELART_DATA_DIR"] = str(data_dir)
    out = subprocess.run([sys.executable, "-m", "worker", "init", "--demo"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_make_run_seeds_the_music_demo_once(tmp_path):
    first = _init_demo(tmp_path)
    assert "Created the demo project 'Music demo' (6 pieces)" in first
    second = _init_demo(tmp_path)
    assert "exists already" in second and "Created the demo" not in second

    from worker import create_app
    from worker.extensions import db
    from worker.models import FileUpload, Prediction, Project, Task
    from worker.services.media import path_for

    app = create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'labelart.sqlite3'}"})
    config = parse_config(music.label_config())
    check = tmp_path / "check"
    (check / "audio").mkdir(parents=True)
    with app.app_context():
        (project,) = db.session.execute(select(Project)).scalars().all()
        assert project.title == demo.MUSIC_TITLE and project.task_count == demo.MUSIC_COUNT
        tasks = db.session.execute(select(Task).where(Task.project_id == project.id).order_by(Task.id)).scalars().all()
        assert len(tasks) == demo.MUSIC_COUNT
        uploads = {u.id: u for u in db.session.execute(select(FileUpload)).scalars()}
        assert len(uploads) == 2 * demo.MUSIC_COUNT  # one WAV and one MIDI file a piece, stored once
        for index, task in enumerate(tasks):
            data = orjson.loads(task.data)
            for field, magic in (("audio", b"RIFF"), ("midi", b"MThd")):
                upload = uploads[int(data[field].split("/")[3])]
                assert upload.project_id == project.id and data[field].endswith(upload.filename)
                assert path_for(upload.sha256).read_bytes()[:4] == magic
            (pred,) = db.session.execute(select(Prediction).where(Prediction.task_id == task.id)).scalars().all()
            assert pred.model_version == demo.MODEL_VERSION
            got = events_of(orjson.loads(pred.result), config)
            # The pre-label is exactly the truth the synthesizer writes for that item.
            truth = music.make_task(demo.MUSIC_SEED, index, check, rate=demo.MUSIC_RATE)
            assert orjson.loads(task.meta)["kind"] == truth["meta"]["kind"]
            assert got == events_of(truth["annotations"][0]["result"], config)
            assert got["beats"] and (got["notes"] or got["chords"])
        assert db.session.execute(select(func.count()).select_from(Prediction)).scalar_one() == demo.MUSIC_COUNT
        db.engine.dispose()

