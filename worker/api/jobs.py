"""Background jobs the caller started (imports and exports)."""
from sqlalchemy import select

from ..access import current_user
from ..extensions import db
from ..models import Job
from ..services.jobs import job_dict
from . import route
from .util import json_response


@route("/jobs", methods=["GET"])
def my_jobs():
    """The caller's 50 most recent background jobs."""
    user = current_user()
    jobs = db.session.execute(select(Job).where(Job.user_id == user.id).order_by(Job.id.desc()).limit(50)).scalars()
    return json_response([job_dict(j) for j in jobs])
