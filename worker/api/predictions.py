"""Predictions: /api/predictions (Label Studio's shape)."""
from sqlalchemy import select

from ..access import project_for
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Prediction
from ..services import annotations as svc
from ..services.serialize import prediction_dict
from ..services.tasks import task_for
from . import route
from .util import int_arg, json_body, json_response


@route("/predictions", methods=["GET"])
def list_predictions():
    """Predictions of ?task=ID or ?project=ID (keyset: ?after=ID, page_size ≤ 1000)."""
    task_id, project_id = int_arg("task"), int_arg("project")
    size = int_arg("page_size", 100, minimum=1, maximum=1000)
    q = select(Prediction)
    if task_id is not None:
        task_for(db.session, task_id)
        q = q.where(Prediction.task_id == task_id)
    elif project_id is not None:
        project_for(project_id)
        q = q.where(Prediction.project_id == project_id, Prediction.id > int_arg("after", 0, minimum=0))
    else:
        raise ValidationError("task or project is required")
    rows = db.session.execute(q.order_by(Prediction.id).limit(size)).scalars()
    return json_response([prediction_dict(p) for p in rows])


@route("/predictions", methods=["POST"])
def create_prediction():
    """Add a prediction {"task", "result", "score"?, "model_version"?} (reviewers, managers)."""
    body = json_body()
    task_id = body.get("task")
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        raise ValidationError("task (an integer id) is required")
    project, task = task_for(db.session, task_id, "reviewer")
    pred = svc.create_prediction(db.session, project, task, body)
    db.session.commit()
    return json_response(prediction_dict(pred), 201)


def _prediction_for(prediction_id, min_role="annotator"):
    pred = db.session.get(Prediction, prediction_id)
    if pred is None:
        raise NotFound(f"prediction {prediction_id} not found")
    project, _ = task_for(db.session, pred.task_id, min_role)
    return project, pred


@route("/predictions/<int:prediction_id>", methods=["GET"])
def get_prediction(prediction_id):
    """One prediction."""
    _, pred = _prediction_for(prediction_id)
    return json_response(prediction_dict(pred))


@route("/predictions/<int:prediction_id>", methods=["PATCH"])
def update_prediction(prediction_id):
    """Change a prediction's result, score or model_version (reviewers, managers)."""
    from ..jsonio import dumps_str
    from ..labeling.config import parse_config
    from ..labeling.results import validate_result

    project, pred = _prediction_for(prediction_id, "reviewer")
    body = json_body()
    if "result" in body:
        validate_result(body["result"], parse_config(project.label_config))
        pred.result = dumps_str(body["result"])
    if "score" in body:
        pred.score = svc.number(body, "score")
    if "model_version" in body:
        pred.model_version = str(body["model_version"])[:200]
    db.session.flush()
    svc.refresh_prediction_counters(db.session, pred.task_id)
    db.session.commit()
    return json_response(prediction_dict(pred))


@route("/predictions/<int:prediction_id>", methods=["DELETE"])
def delete_prediction(prediction_id):
    """Delete a prediction (reviewers, managers)."""
    _, pred = _prediction_for(prediction_id, "reviewer")
    task_id = pred.task_id
    db.session.delete(pred)
    db.session.flush()
    svc.refresh_prediction_counters(db.session, task_id)
    db.session.commit()
    return "", 204
