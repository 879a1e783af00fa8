"""Reports computed on read, kept in Redis until the project's data changes.

The stamp is what a report depends on: annotation count and newest change or review, the
prediction count, gold tasks and the project's own settings. Reading it is a few aggregate
queries (one range scan of the project's annotations), far below building the report again.
Redis is only a cache here: when it is down the report is simply built every time.
"""
import logging
import zlib

import orjson
from sqlalchemy import func, select

from ..extensions import db
from ..models import Annotation, Prediction, Task
from .balance import DEFAULT_MIN_SHARE
from .report import build_with_pass, no_gc
from .data import load

log = logging.getLogger(__name__)

KEY = "labelart:quality:{}"
# A cached report is dropped after a day even if nothing changed (settings of other kinds,
# renamed users): stale names on a dashboard are worse than one slow load a day.
TTL_SECONDS = 86400


def stamp(session, project):
    a = session.execute(select(func.count(), func.max(Annotation.updated_at), func.max(Annotation.reviewed_at))
                        .where(Annotation.project_id == project.id)).one()
    p = session.execute(select(func.count(), func.max(Prediction.id)).where(Prediction.project_id == project.id)).one()
    g = session.execute(select(func.count()).select_from(Task).where(Task.project_id == project.id,
                                                                      Task.is_gold.is_(True))).scalar_one()
    return "|".join(str(x) for x in (*a, *p, g, project.task_count, project.overlap, project.balance_field,
                                     project.review_threshold, zlib.crc32(project.label_config.encode())))


def _redis():
    from ..queue import get_redis

    return get_redis()


def get_report(project, fields=None, min_share=DEFAULT_MIN_SHARE, refresh=False):
    """The report for ``project`` with these options, from the cache when still current."""
    from redis.exceptions import RedisError

    field_key = orjson.dumps([sorted(fields) if fields else None, min_share]).decode()
    current = stamp(db.session, project)
    db.session.commit()  # end the read transaction before the long build
    key = KEY.format(project.id)
    if not refresh:
        try:
            raw = _redis().hget(key, field_key)
            if raw:
                cached = orjson.loads(raw)
                if cached.get("stamp") == current:
                    return cached["report"]
        except (RedisError, OSError) as exc:
            log.warning("quality cache unreachable: %s", exc)
    with no_gc():
        report, _ = build_with_pass(load(db.engine, project), fields=fields, min_share=min_share)
    try:
        r = _redis()
        r.hset(key, field_key, orjson.dumps({"stamp": current, "report": report}))
        r.expire(key, TTL_SECONDS)
    except (RedisError, OSError) as exc:
        log.warning("quality cache unreachable: %s", exc)
    return report


def invalidate(project_id):
    from redis.exceptions import RedisError

    try:
        _redis().delete(KEY.format(project_id))
    except (RedisError, OSError) as exc:
        log.warning("quality cache unreachable: %s", exc)


def refresh(engine, project):
    """Recompute every task's agreement, store it, apply the review rule; drop cached reports."""
    from .review import refresh_project

    with no_gc():
        _, p = build_with_pass(load(engine, project, with_predictions=False), fields=[])
    threshold = project.review_threshold
    with db.writing() as session:
        counts = refresh_project(session, p.task_agreement, threshold)
        session.commit()
    invalidate(project.id)
    return counts


def agreement_by_wp_user(project):
    """{wp_user_id: mean agreement with co-annotators} for the community site's member list."""
    from ..models import User

    report = get_report(project)
    by_user = {a["user"]: a["agreement"] for a in report["annotators"] if a["user"] is not None}
    if not by_user:
        return {}
    rows = db.session.execute(select(User.id, User.wp_user_id).where(
        User.id.in_(list(by_user)), User.wp_user_id.is_not(None))).all()
    return {wp: by_user[uid] for uid, wp in rows}
