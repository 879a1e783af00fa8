"""Reading a project for the quality report: a few bulk queries, no ORM objects.

Rows come off the raw DBAPI cursor (as in ``worker.services.exporter``): for 300,000
annotations SQLAlchemy's per-row result handling would cost more than the queries. Each
result is decoded and reduced to comparable Units (``extract``) as it is read, so the raw JSON
is never held for the whole project.
"""
import orjson

from .extract import extract

# Roles whose ground-truth annotations count as gold answers. An annotator may tick
# "ground truth" on their own work; that must not make them their own examiner.
TRUTH_ROLES = ("reviewer", "manager")


class Ann:
    """One completed (not skipped) annotation, reduced to what the report needs."""

    __slots__ = ("id", "task_id", "user", "units", "truth", "review", "reviewed_by", "day", "lead_time")

    def __init__(self, row, units):
        (self.id, self.task_id, self.user, _, _, self.truth, self.review, self.reviewed_by,
         created, self.lead_time) = row
        self.units = units
        self.day = day_of(created)


class ProjectData:
    """Everything the report reads, keyed by task id.

    tasks:  {task_id: (meta dict, is_gold)}
    anns:   {task_id: [Ann]} — workers' annotations (gold answers are kept apart in ``truth``)
    truth:  {task_id: Ann} — the gold answer of each gold task (the newest, if several)
    preds:  {task_id: [(model_version, units)]}
    users:  {user_id: {"username", "display_name", "role"}}
    skips:  {user_id: count of skipped tasks}
    """

    def __init__(self, project):
        self.project = project
        self.tasks, self.anns, self.truth, self.preds, self.users, self.skips = {}, {}, {}, {}, {}, {}


def day_of(value):
    """'YYYY-MM-DD' from what the driver returns (SQLite: text, MariaDB: datetime)."""
    if value is None:
        return None
    return value[:10] if isinstance(value, str) else value.strftime("%Y-%m-%d")


def project_info(project):
    return {"id": project.id, "title": project.title, "overlap": project.overlap,
            "label_config": project.label_config, "gold_rate": project.gold_rate,
            "balance_field": project.balance_field, "review_threshold": project.review_threshold,
            "task_count": project.task_count}


def load(engine, project, with_predictions=True):
    """Read ``project`` (a Project row) into a ProjectData."""
    data = ProjectData(project_info(project))
    ph = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    with engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        try:
            _users(cur, ph, project.id, data)
            _tasks(cur, ph, project.id, data)
            _annotations(cur, ph, project.id, data)
            if with_predictions:
                _predictions(cur, ph, project.id, data)
        finally:
            cur.close()
            conn.rollback()
    return data


class _UnitsCache:
    """Result text -> extracted units, shared between identical answers.

    Classification projects repeat a handful of distinct results hundreds of thousands of
    times: decoding each once is most of the speed of the report. Sharing the same Units object
    also lets agreement memoise per pair of objects. Units are never changed after extraction.
    """

    # Entries kept at most: region answers are nearly all distinct and need no cache.
    LIMIT = 50_000

    def __init__(self):
        self.cache = {}

    def __call__(self, text):
        units = self.cache.get(text)
        if units is None:
            try:
                units = extract(orjson.loads(text)) if text else {}
            except orjson.JSONDecodeError:
                units = {}
            if len(self.cache) < self.LIMIT:
                self.cache[text] = units
        return units


def _users(cur, ph, pid, data):
    cur.execute(f"SELECT u.id, u.username, u.display_name, m.role, u.is_superuser FROM users u "
                f"LEFT JOIN memberships m ON m.user_id = u.id AND m.project_id = {ph} "
                f"WHERE m.id IS NOT NULL OR u.is_superuser = {ph} OR u.id IN "
                f"(SELECT DISTINCT completed_by FROM annotations WHERE project_id = {ph})",
                (pid, True, pid))
    for uid, username, display, role, superuser in cur.fetchall():
        data.users[uid] = {"username": username, "display_name": display or username,
                           "role": "manager" if superuser else role}


def _tasks(cur, ph, pid, data):
    cur.execute(f"SELECT id, meta, is_gold FROM tasks WHERE project_id = {ph}", (pid,))
    loads = orjson.loads
    for tid, meta, gold in cur.fetchall():
        try:
            meta = loads(meta) if meta else {}
        except orjson.JSONDecodeError:
            meta = {}
        data.tasks[tid] = (meta if isinstance(meta, dict) else {}, bool(gold))


def load_gold(engine, project):
    """Only the project's gold tasks and their annotations (for consensus weights)."""
    data = ProjectData(project_info(project))
    ph = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    with engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        try:
            _users(cur, ph, project.id, data)
            cur.execute(f"SELECT id, meta, is_gold FROM tasks WHERE project_id = {ph} AND is_gold = {ph}",
                        (project.id, True))
            data.tasks = {tid: ({}, True) for tid, _, _ in cur.fetchall()}
            _annotations(cur, ph, project.id, data, gold_only=True)
        finally:
            cur.close()
            conn.rollback()
    return data


_ANN_SQL = ("SELECT id, task_id, completed_by, result, was_cancelled, ground_truth, review_status, "
            "reviewed_by, created_at, lead_time FROM annotations WHERE project_id = {ph}{gold} ORDER BY id")


def _annotations(cur, ph, pid, data, gold_only=False):
    gold = f" AND task_id IN (SELECT id FROM tasks WHERE project_id = {ph} AND is_gold = {ph})" if gold_only else ""
    cur.execute(_ANN_SQL.format(ph=ph, gold=gold), (pid, pid, True) if gold_only else (pid,))
    tasks, users, units_of = data.tasks, data.users, _UnitsCache()
    for row in cur.fetchall():
        if row[4]:
            data.skips[row[2]] = data.skips.get(row[2], 0) + 1
            continue
        ann = Ann(row, units_of(row[3]))
        task = tasks.get(ann.task_id)
        if ann.truth and task is not None and task[1] and users.get(ann.user, {}).get("role") in TRUTH_ROLES:
            data.truth[ann.task_id] = ann  # ORDER BY id: the newest answer wins
        else:
            data.anns.setdefault(ann.task_id, []).append(ann)


def _predictions(cur, ph, pid, data):
    # predictions has an index on (project_id, id) only; reading them whole is one range scan.
    cur.execute(f"SELECT task_id, model_version, result FROM predictions WHERE project_id = {ph} ORDER BY id",
                (pid,))
    units_of = _UnitsCache()
    for tid, version, result in cur.fetchall():
        data.preds.setdefault(tid, []).append((version or "", units_of(result)))
