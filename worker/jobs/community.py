"""RQ jobs that tell the community site (WordPress, over XML-RPC) what the service did.

Configured by ``LABELART_WP_XMLRPC_URL`` / ``_USER`` / ``_PASSWORD``; without them nothing is
queued. A project with no page on the site (the plugin answers 404) is skipped, not retried:
only projects created from WordPress have a team thread.
"""
import logging
from xmlrpc.client import Fault

import orjson
from sqlalchemy import select

from ..extensions import db
from ..models import MLBackend, Project, TrainingRun
from ..services import wordpress
from ..services.projects import labeled_task_count
from . import app_context

log = logging.getLogger(__name__)

# Metrics a bundled model or backend may report, in the order one is picked for the message.
HEADLINE_METRICS = (("accuracy", "accuracy"), ("map50", "mAP@0.5"), ("miou", "mean IoU"), ("pck", "PCK"),
                    ("f_measure", "F-measure"))


def configured(config):
    return bool(config.get("WP_XMLRPC_URL") and config.get("WP_XMLRPC_USER"))


def queue_training_announcement(run_id):
    """Queue ``announce_training`` for a finished run when the community site is configured."""
    from flask import current_app

    from ..queue import Retry, try_enqueue

    if configured(current_app.config):
        # Outbound HTTP, like webhook deliveries: their queue, retried while the site is down.
        try_enqueue("webhooks", announce_training, run_id, retry=Retry(max=3, interval=[10, 60, 300]))


def training_message(run):
    """The team-thread line for a finished run, e.g. "Model image_classifier.v3 trained on 40
    annotations: 91% accuracy on 10 held-out tasks"."""
    metrics = orjson.loads(run.metrics or "{}")
    text = f"Model {run.model_version or 'update'} trained on {run.annotation_count} annotations"
    for key, name in HEADLINE_METRICS:
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text += f": {value:.0%} {name}"
            if isinstance(metrics.get("held_out"), int):
                text += f" on {metrics['held_out']} held-out tasks"
            break
    return text


def announce_training(run_id):
    """Post a finished training run to its project's team thread and push the project's progress.
    Returns the message id, or None when there was nothing to post."""
    with app_context() as app:
        if not configured(app.config):
            return None
        session = db.session
        row = session.execute(select(TrainingRun, MLBackend.project_id)
                              .join(MLBackend, MLBackend.id == TrainingRun.ml_backend_id)
                              .where(TrainingRun.id == run_id)).first()
        if row is None or row[0].status != "completed":
            return None
        run, project_id = row
        project = session.get(Project, project_id)
        progress = (project.task_count, labeled_task_count(session, project_id), project.total_annotations)
        message = training_message(run)
        session.rollback()  # hold no transaction during the network calls
        conn = wordpress.client(app.config["WP_XMLRPC_URL"], app.config["WP_XMLRPC_USER"],
                                app.config["WP_XMLRPC_PASSWORD"])
        try:
            message_id = wordpress.post_message(conn, project_id, message)
            wordpress.update_progress(conn, project_id, *progress)
        except Fault as fault:
            if fault.faultCode == 404:
                log.info("project %s has no page on the community site; training run %s not announced",
                         project_id, run_id)
                return None
            raise
        log.info("announced training run %s of project %s (message %s)", run_id, project_id, message_id)
        return message_id
