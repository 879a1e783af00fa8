"""Reading a project's tasks for export, a chunk at a time, on a connection of its own.

``iter_tasks(raw=True)`` gives Label Studio task dicts whose JSON columns are
``orjson.Fragment``s (spliced into the output without decoding — the JSON fast path);
``raw=False`` gives fully decoded dicts for the other writers.
"""
import orjson

from ..jsonio import iso

CHUNK = 2000


_T_COLS = ("id", "inner_id", "data", "meta", "created_at", "updated_at", "total_annotations",
           "cancelled_annotations", "total_predictions", "project_id")
_A_COLS = ("id", "task_id", "project_id", "completed_by", "result", "was_cancelled", "ground_truth", "lead_time",
           "parent_prediction", "created_at", "updated_at")
_P_COLS = ("id", "task_id", "project_id", "result", "score", "model_version", "created_at", "updated_at")
# Keyset on (project_id, inner_id), the unique index every project has: inner ids grow with
# ids inside a project, so this is id order, and each chunk is an index range scan (on
# "id > ?" SQLite chose a project_id index and sorted the whole project for every chunk).
_TASKS_SQL = ("SELECT {cols} FROM tasks WHERE project_id = {ph} AND inner_id > {ph} {labeled}"
              "ORDER BY inner_id LIMIT {ph}")
# By task id range only, so the (task_id, ...) index serves it: with project_id in the WHERE,
# SQLite walked the project's whole (project_id, id) index for every chunk. Rows of other
# projects' tasks inside the range are dropped in Python.
_RELATED_SQL = "SELECT {cols} FROM {table} WHERE task_id >= {ph} AND task_id <= {ph} ORDER BY id"


def _statements(dialect):
    """The export queries in the driver's own placeholder style.

    They run on the raw DBAPI cursor with fetchall: SQLAlchemy's per-row result handling
    cost more than the queries themselves on a 100,000-task export.
    """
    ph = "?" if dialect.paramstyle == "qmark" else "%s"
    tasks = _TASKS_SQL.format(cols=", ".join(_T_COLS), ph=ph, labeled="{labeled}")
    return {
        "all": tasks.format(labeled=""),
        "labeled": tasks.format(labeled="AND (total_annotations > 0 OR cancelled_annotations > 0) "),
        "annotations": _RELATED_SQL.format(cols=", ".join(_A_COLS), table="annotations", ph=ph),
        "predictions": _RELATED_SQL.format(cols=", ".join(_P_COLS), table="predictions", ph=ph),
    }


def iter_rows(engine, project_id, only_annotated=True, chunk=CHUNK):
    """Yield (task_row, [annotation_rows], [prediction_rows]) as plain tuples in task id order
    (columns as in _T_COLS, _A_COLS, _P_COLS)."""
    sql = _statements(engine.dialect)
    query = sql["labeled"] if only_annotated else sql["all"]
    last = 0
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        while True:
            cur = dbapi.cursor()
            try:
                cur.execute(query, (project_id, last, chunk))
                tasks = cur.fetchall()
                if not tasks:
                    return
                ids = [t[0] for t in tasks]
                bounds = (min(ids), max(ids))
                anns, preds = {}, {}
                cur.execute(sql["annotations"], bounds)
                for r in cur.fetchall():
                    if r[2] == project_id:
                        anns.setdefault(r[1], []).append(r)
                cur.execute(sql["predictions"], bounds)
                for r in cur.fetchall():
                    if r[2] == project_id:
                        preds.setdefault(r[1], []).append(r)
            finally:
                cur.close()
            conn.rollback()  # end the read transaction between chunks: writers are not held back
            for task in tasks:
                yield task, anns.get(task[0], []), preds.get(task[0], [])
            last = tasks[-1][1]


def iso_text(value):
    """ISO 8601 with Z from what the driver returns: SQLite gives 'YYYY-MM-DD HH:MM:SS.ffffff'
    text, MariaDB a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "Z"
    return iso(value)


def _json(text, raw):
    if text is None:
        return {} if not raw else orjson.Fragment(b"{}")
    return orjson.Fragment(text.encode() if isinstance(text, str) else text) if raw else orjson.loads(text)


def annotation_out(a, raw=False):
    return {"id": a[0], "completed_by": a[3], "result": _json(a[4], raw),
            "was_cancelled": bool(a[5]), "ground_truth": bool(a[6]),
            "created_at": iso_text(a[9]), "updated_at": iso_text(a[10]), "lead_time": a[7],
            "task": a[1], "project": a[2], "parent_prediction": a[8]}


def prediction_out(p, raw=False):
    return {"id": p[0], "model_version": p[5], "score": p[4], "result": _json(p[3], raw),
            "created_at": iso_text(p[6]), "updated_at": iso_text(p[7]), "task": p[1], "project": p[2]}


def task_out(t, anns, preds, raw=False):
    return {"id": t[0], "inner_id": t[1],
            "annotations": [annotation_out(a, raw) for a in anns],
            "predictions": [prediction_out(p, raw) for p in preds],
            "data": _json(t[2], raw), "meta": _json(t[3], raw),
            "created_at": iso_text(t[4]), "updated_at": iso_text(t[5]),
            "total_annotations": t[6], "cancelled_annotations": t[7],
            "total_predictions": t[8], "project": t[9]}


def iter_tasks(engine, project_id, only_annotated=True, raw=False):
    for task, anns, preds in iter_rows(engine, project_id, only_annotated):
        yield task_out(task, anns, preds, raw)
