"""Importing tasks, all or nothing.

Items are validated and inserted in chunks inside the caller's one transaction: rows go
in with executemany (no ORM objects), and the first bad item raises ImportRejected with
its index, so the caller's rollback leaves the project exactly as it was.
"""
import time
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from ..errors import ImportRejected, ValidationError
from ..jsonio import dumps_str
from ..labeling.config import parse_config
from ..labeling.results import validate_result
from ..models import Annotation, Membership, Prediction, Project, Task, utcnow

CHUNK = 5000
MAX_TASKS_PER_IMPORT = 5_000_000
# Task fields of a Label Studio export that are server-side bookkeeping, not data.
TASK_KEYS = {"data", "meta", "annotations", "predictions", "id", "inner_id", "project", "created_at",
             "updated_at", "is_labeled", "total_annotations", "cancelled_annotations", "total_predictions",
             "file_upload", "drafts", "comment_count", "unresolved_comment_count", "last_comment_updated_at",
             "updated_by", "comment_authors", "annotators", "overlap"}


TASK_COLUMNS = ("project_id", "inner_id", "data", "meta", "created_at", "updated_at", "total_annotations",
                "cancelled_annotations", "total_predictions", "is_labeled", "prediction_score")


@dataclass
class ImportStats:
    task_count: int = 0
    annotation_count: int = 0
    prediction_count: int = 0
    first_task_id: int = None
    started: float = field(default_factory=time.monotonic)

    def to_dict(self):
        return {"task_count": self.task_count, "annotation_count": self.annotation_count,
                "prediction_count": self.prediction_count, "predictions_count": self.prediction_count,
                "duration": round(time.monotonic() - self.started, 3)}


def import_items(session, project, items, user_id, progress=None, data_defaults=None):
    """Validate and insert ``items``; returns ImportStats. Raises ImportRejected (nothing kept
    once the caller rolls back)."""
    ctx = _Context(session, project, user_id, data_defaults)
    stats = ImportStats()
    chunk = []
    for index, item in enumerate(items):
        if index >= MAX_TASKS_PER_IMPORT:
            raise ImportRejected(f"an import may hold at most {MAX_TASKS_PER_IMPORT} tasks")
        chunk.append(ctx.normalise(item, index))
        if len(chunk) >= CHUNK:
            ctx.write(chunk, stats)
            chunk = []
            if progress:
                progress(stats.task_count)
    if chunk:
        ctx.write(chunk, stats)
    if stats.task_count == 0:
        raise ImportRejected("no tasks found in the import")
    session.execute(update(Project).where(Project.id == project.id).values(
        task_count=Project.task_count + stats.task_count,
        next_inner_id=ctx.next_inner,
        total_annotations=Project.total_annotations + ctx.completed_annotations,
        total_predictions=Project.total_predictions + stats.prediction_count,
        updated_at=utcnow()))
    if progress:
        progress(stats.task_count)
    return stats


class _Context:
    def __init__(self, session, project, user_id, data_defaults):
        self.session, self.project, self.user_id = session, project, user_id
        self.config = parse_config(project.label_config)
        self.required = self.config.data_fields
        self.data_defaults = data_defaults or {}
        # Lock the project row so concurrent imports into one project get distinct inner ids.
        query = select(Project.next_inner_id).where(Project.id == project.id)
        if session.bind.dialect.name != "sqlite":
            query = query.with_for_update()
        self.next_inner = session.execute(query).scalar_one()
        self.members = set(session.execute(select(Membership.user_id)
                                           .where(Membership.project_id == project.id)).scalars())
        self.completed_annotations = 0
        dialect = session.get_bind().dialect
        self.sqlite = dialect.name == "sqlite"
        ph = "?" if dialect.paramstyle == "qmark" else "%s"
        self.insert_sql = (f"INSERT INTO tasks ({', '.join(TASK_COLUMNS)}) "
                           f"VALUES ({', '.join([ph] * len(TASK_COLUMNS))})")

    def _db_time(self, dt):
        # SQLAlchemy stores SQLite datetimes as this text; MariaDB's driver takes datetimes.
        return dt.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else dt

    def normalise(self, item, index):
        if not isinstance(item, dict):
            raise ImportRejected("a task must be a JSON object", index)
        if isinstance(item.get("data"), dict):
            data, meta = item["data"], item.get("meta") or {}
            annotations, predictions = item.get("annotations") or [], item.get("predictions") or []
        else:
            data, meta, annotations, predictions = item, {}, [], []
        if not data:
            raise ImportRejected("task data is empty", index)
        if not isinstance(meta, dict):
            raise ImportRejected("meta must be an object", index)
        if not isinstance(annotations, list) or not isinstance(predictions, list):
            raise ImportRejected("annotations and predictions must be lists", index)
        if self.data_defaults:
            data = {**self.data_defaults, **data}
        for name in self.required:
            if name not in data:
                raise ImportRejected(f"data has no {name!r} field, which the labeling config uses "
                                     f"(${name}); fields present: {sorted(data)[:10]}", index)
        anns = [self._annotation(a, index, i) for i, a in enumerate(annotations)]
        preds = [self._prediction(p, index, i) for i, p in enumerate(predictions)]
        return data, meta, anns, preds

    def _annotation(self, ann, index, i):
        if not isinstance(ann, dict):
            raise ImportRejected(f"annotations[{i}] must be an object", index)
        result = ann.get("result", [])
        self._validate(result, index, f"annotations[{i}].result")
        by = ann.get("completed_by")
        if isinstance(by, dict):
            by = by.get("id")
        # Keep the author only if they belong to this project; never attribute work to strangers.
        author = by if isinstance(by, int) and by in self.members else self.user_id
        lead = ann.get("lead_time")
        return {"completed_by": author, "result": dumps_str(result),
                "was_cancelled": bool(ann.get("was_cancelled", False)),
                "ground_truth": bool(ann.get("ground_truth", False)),
                "lead_time": float(lead) if isinstance(lead, (int, float)) and not isinstance(lead, bool) else None}

    def _prediction(self, pred, index, i):
        if not isinstance(pred, dict):
            raise ImportRejected(f"predictions[{i}] must be an object", index)
        result = pred.get("result", [])
        self._validate(result, index, f"predictions[{i}].result")
        score = pred.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            raise ImportRejected(f"predictions[{i}].score must be a number", index)
        version = pred.get("model_version") or ""
        return {"result": dumps_str(result), "score": score, "model_version": str(version)[:200]}

    def _validate(self, result, index, what):
        try:
            validate_result(result, self.config, what=what)
        except ValidationError as exc:
            raise ImportRejected(exc.detail, index) from exc

    def write(self, chunk, stats):
        now = utcnow()
        stamp = self._db_time(now)
        first_inner = self.next_inner
        project_id, overlap = self.project.id, self.project.overlap
        rows = []
        for offset, (data, meta, anns, preds) in enumerate(chunk):
            done = sum(1 for a in anns if not a["was_cancelled"])
            scores = [p["score"] for p in preds if p["score"] is not None]
            rows.append((project_id, first_inner + offset, dumps_str(data), dumps_str(meta) if meta else None,
                         stamp, stamp, done, len(anns) - done, len(preds), done >= overlap,
                         min(scores) if scores else None))
            self.completed_annotations += done
        # The driver's own executemany with tuples: SQLAlchemy's per-row parameter handling
        # cost several times the insert itself.
        cursor = self.session.connection().connection.dbapi_connection.cursor()
        try:
            cursor.executemany(self.insert_sql, rows)
        finally:
            cursor.close()
        self.next_inner += len(chunk)
        if stats.first_task_id is None or any(a or p for _, _, a, p in chunk):
            ids = dict(self.session.execute(
                select(Task.inner_id, Task.id).where(Task.project_id == self.project.id,
                                                     Task.inner_id >= first_inner,
                                                     Task.inner_id < self.next_inner)).all())
            if stats.first_task_id is None:
                stats.first_task_id = ids[first_inner]
            self._write_related(chunk, ids, first_inner, now, stats)
        stats.task_count += len(chunk)

    def _write_related(self, chunk, ids, first_inner, now, stats):
        ann_rows, pred_rows = [], []
        for offset, (_, _, anns, preds) in enumerate(chunk):
            task_id = ids[first_inner + offset]
            common = {"task_id": task_id, "project_id": self.project.id, "created_at": now, "updated_at": now}
            ann_rows.extend({**common, **a} for a in anns)
            pred_rows.extend({**common, **p} for p in preds)
        if ann_rows:
            self.session.execute(insert(Annotation.__table__), ann_rows)
            stats.annotation_count += len(ann_rows)
        if pred_rows:
            self.session.execute(insert(Prediction.__table__), pred_rows)
            stats.prediction_count += len(pred_rows)
