"""Webhook events: an outbox written in the event's own transaction, sent after commit.

If Redis is down the rows stay ``pending`` and ``requeue_pending`` sends them later
(called by the worker at start and by ``labelart flush-webhooks``); the event is never lost.
"""
import logging

import orjson
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from ..jsonio import dumps_str
from ..models import Webhook, WebhookDelivery, Project

log = logging.getLogger(__name__)

DELIVER_JOB = "worker.jobs.webhooks.deliver"
# Seconds RQ waits before each retry of a failed delivery: six tries over about 22 minutes.
RETRY_INTERVALS = [10, 30, 60, 300, 900]

# Label Studio's event names.
ACTIONS = (
    "PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED", "TASKS_CREATED", "TASKS_DELETED",
    "ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED",
    "START_TRAINING",
)


def hooks_for(session, project_id, action):
    rows = session.execute(
        select(Webhook).where(Webhook.is_active.is_(True),
                              or_(Webhook.project_id == project_id, Webhook.project_id.is_(None)))
    ).scalars().all()
    return [h for h in rows if h.send_for_all_actions or action in orjson.loads(h.actions or "[]")]


def emit_event(session, project_id, action, payload, hooks=None):
    """Record ``action`` for every matching webhook; sent once the transaction commits.

    ``payload`` may be a dict or a zero-argument callable building it (only called when a
    hook wants the event). ``hooks`` may be looked up beforehand, outside a write lock.
    """
    if hooks is None:
        hooks = hooks_for(session, project_id, action)
    if not hooks:
        return []
    body = payload() if callable(payload) else payload
    if "project" not in body and project_id is not None:
        from .serialize import project_dict

        project = session.get(Project, project_id)
        body = {**body, "project": project_dict(project) if project else {"id": project_id}}
    rows = []
    for hook in hooks:
        data = {"action": action, **body} if hook.send_payload else {"action": action}
        row = WebhookDelivery(webhook_id=hook.id, action=action, payload=dumps_str(data))
        session.add(row)
        rows.append(row)
    session.info.setdefault("labelart_deliveries", []).extend(rows)
    return rows


@event.listens_for(Session, "after_commit")
def _send_after_commit(session):
    rows = session.info.pop("labelart_deliveries", None)
    if rows:
        from ..queue import try_enqueue

        for row in rows:
            if row.id is not None:
                try_enqueue("webhooks", DELIVER_JOB, row.id, retry=delivery_retry())


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session):
    session.info.pop("labelart_deliveries", None)


def delivery_retry():
    """RQ's retry policy for one delivery job (the job raises to ask for it)."""
    from ..queue import Retry

    return Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)


def requeue_pending(session, limit=10_000):
    """Enqueue deliveries left ``pending`` (Redis was down). Returns how many were queued."""
    from ..queue import try_enqueue

    ids = session.execute(select(WebhookDelivery.id).where(WebhookDelivery.status == "pending")
                          .order_by(WebhookDelivery.id).limit(limit)).scalars().all()
    queued = 0
    for delivery_id in ids:
        if try_enqueue("webhooks", DELIVER_JOB, delivery_id, retry=delivery_retry()) is None:
            break
        queued += 1
    return queued
