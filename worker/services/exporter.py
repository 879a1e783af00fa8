"""Reading a project's tasks for export, a chunk at a time, on a connection of its own.

Two shapes: ``iter_raw_tasks`` gives Label Studio task dicts whose JSON columns are
``orjson.Fragment``s (spliced into the output without decoding — the JSON fast path), and
``iter_tasks`` gives fully decoded dicts for the other writers.
"""
import orjson
from sqlalchemy import or_, select

from ..jsonio import iso
from ..models import Annotation, Prediction, Task

CHUNK = 2000


def iter_rows(engine, project_id, only_annotated=True, chunk=CHUNK):
    """Yield (task_row, [annotation_rows], [prediction_rows]) in task id order."""
    t, a, p = Task.__table__, Annotation.__table__, Prediction.__table__
    last = 0
    with engine.connect() as conn:
        while True:
            q = select(t).where(t.c.project_id == project_id, t.c.id > last)
            if only_annotated:
                q = q.where(or_(t.c.total_annotations > 0, t.c.cancelled_annotations > 0))
            tasks = conn.execute(q.order_by(t.c.id).limit(chunk)).all()
            if not tasks:
                return
            lo, hi = tasks[0].id, tasks[-1].id
            anns, preds = {}, {}
            for row in conn.execute(select(a).where(a.c.project_id == project_id, a.c.task_id >= lo,
                                                    a.c.task_id <= hi).order_by(a.c.id)):
                anns.setdefault(row.task_id, []).append(row)
            for row in conn.execute(select(p).where(p.c.project_id == project_id, p.c.task_id >= lo,
                                                    p.c.task_id <= hi).order_by(p.c.id)):
                preds.setdefault(row.task_id, []).append(row)
            for task in tasks:
                yield task, anns.get(task.id, []), preds.get(task.id, [])
            last = hi
            conn.rollback()  # end the read transaction between chunks: writers are not held back


def _json(text, raw):
    if text is None:
        return {} if not raw else orjson.Fragment(b"{}")
    return orjson.Fragment(text.encode() if isinstance(text, str) else text) if raw else orjson.loads(text)


def annotation_out(a, raw=False):
    return {"id": a.id, "completed_by": a.completed_by, "result": _json(a.result, raw),
            "was_cancelled": bool(a.was_cancelled), "ground_truth": bool(a.ground_truth),
            "created_at": iso(a.created_at), "updated_at": iso(a.updated_at), "lead_time": a.lead_time,
            "task": a.task_id, "project": a.project_id, "parent_prediction": a.parent_prediction}


def prediction_out(p, raw=False):
    return {"id": p.id, "model_version": p.model_version, "score": p.score, "result": _json(p.result, raw),
            "created_at": iso(p.created_at), "updated_at": iso(p.updated_at), "task": p.task_id,
            "project": p.project_id}


def task_out(task, anns, preds, raw=False):
    return {"id": task.id, "inner_id": task.inner_id,
            "annotations": [annotation_out(a, raw) for a in anns],
            "predictions": [prediction_out(p, raw) for p in preds],
            "data": _json(task.data, raw), "meta": _json(task.meta, raw),
            "created_at": iso(task.created_at), "updated_at": iso(task.updated_at),
            "total_annotations": task.total_annotations, "cancelled_annotations": task.cancelled_annotations,
            "total_predictions": task.total_predictions, "project": task.project_id}


def iter_tasks(engine, project_id, only_annotated=True, raw=False):
    for task, anns, preds in iter_rows(engine, project_id, only_annotated):
        yield task_out(task, anns, preds, raw)
