"""Background job records: progress that clients poll.

While an import runs, its transaction holds SQLite's write lock, so live progress goes
to Redis (best effort) and the final figures to the jobs table when it commits.
"""
import orjson

from ..jsonio import iso


def _key(job_id):
    return f"labelart:job:{job_id}:progress"


def set_progress(job_id, done):
    from redis.exceptions import RedisError

    from ..queue import get_redis

    try:
        get_redis().set(_key(job_id), int(done), ex=24 * 3600)
    except (RedisError, OSError):
        pass


def live_progress(job_id):
    from redis.exceptions import RedisError

    from ..queue import get_redis

    try:
        value = get_redis().get(_key(job_id))
    except (RedisError, OSError):
        return None
    return int(value) if value is not None else None


def job_dict(job):
    progress = job.progress
    if job.status in ("queued", "running"):
        progress = live_progress(job.id) or progress
    return {"id": job.id, "kind": job.kind, "project": job.project_id, "status": job.status,
            "progress": progress, "total": job.total, "result": orjson.loads(job.result or "{}"),
            "error": job.error or None, "created_at": iso(job.created_at), "finished_at": iso(job.finished_at)}
