"""Webhook delivery: one RQ job per outbox row, signed, sent through the SSRF guard.

A failed send raises ``DeliveryFailed`` so RQ retries it with the backoff set at enqueue
(``worker.services.events.delivery_retry``). A URL the guard refuses fails at once: retrying
cannot make a private address public. Receivers should de-duplicate on ``X-Labelart-Delivery``,
since ``labelart flush-webhooks`` may queue a row that is also waiting for its retry.
"""
import hashlib
import hmac
import logging
import time

import click
import orjson

from ..errors import FetchBlocked
from ..net.fetch_guard import FetchFailed, fetch
from ..services.events import RETRY_INTERVALS
from . import app_context

log = logging.getLogger(__name__)

# First try plus RQ's retries: a row that has used them all is failed for good.
MAX_ATTEMPTS = 1 + len(RETRY_INTERVALS)
# (connect, read) seconds: a receiver should answer quickly and do its work later.
TIMEOUT = (3, 10)
# Receivers' answers are only recorded by status; a huge one is refused.
MAX_RESPONSE_BYTES = 1024 * 1024


class DeliveryFailed(Exception):
    """The receiver could not be reached or did not answer 2xx; RQ retries the job."""


def sign(secret, body):
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the hook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(delivery_id):
    """Send one WebhookDelivery row and record the outcome on it.

    Skips rows that are gone or no longer pending. Raises ValueError for a bad id and
    DeliveryFailed when the send failed, so RQ retries (or files the job as failed after the last try).
    """
    if not isinstance(delivery_id, int) or delivery_id < 1:
        raise ValueError(f"delivery id must be a positive integer, got {delivery_id!r}")
    from ..extensions import db
    from ..models import Webhook, WebhookDelivery

    with app_context():
        row = db.session.get(WebhookDelivery, delivery_id)
        if row is None or row.status != "pending":
            log.info("webhook delivery %s: nothing to do (%s)", delivery_id, row.status if row else "gone")
            return
        hook = db.session.get(Webhook, row.webhook_id)
        if hook is None or not hook.is_active:
            _record(db.session, row, "failed", error="webhook is deleted or inactive")
            return
        error = _attempt(db.session, hook, row)
        if error:
            raise DeliveryFailed(f"webhook delivery {delivery_id} to hook {hook.id}: {error}")


def _attempt(session, hook, row):
    """One send. Records the result; returns an error text when RQ should be asked to retry."""
    body = row.payload.encode("utf-8")
    row.attempts = (row.attempts or 0) + 1
    try:
        resp = fetch("POST", hook.url, headers=_headers(hook, row, body), body=body,
                     timeout=TIMEOUT, max_bytes=MAX_RESPONSE_BYTES)
    except FetchBlocked as exc:
        log.warning("webhook delivery %s refused by the fetch guard: %s", row.id, exc)
        _record(session, row, "failed", error=str(exc))
        return None
    except FetchFailed as exc:
        error = str(exc)
    else:
        row.response_status = resp.status
        if 200 <= resp.status < 300:
            _record(session, row, "delivered")
            return None
        error = f"receiver answered HTTP {resp.status}"
    final = _is_last_attempt(row)
    _record(session, row, "failed" if final else "pending", error=error)
    log.warning("webhook delivery %s attempt %s failed%s: %s", row.id, row.attempts,
                " for good" if final else "", error)
    return error


def _headers(hook, row, body):
    """The hook's own headers, then ours (so a hook cannot forge the signature headers)."""
    custom = orjson.loads(hook.headers or "{}")
    return {
        **{str(k): str(v) for k, v in custom.items()},
        "Content-Type": "application/json",
        "X-Labelart-Event": row.action,
        "X-Labelart-Delivery": str(row.id),
        "X-Labelart-Timestamp": str(int(time.time())),
        "X-Labelart-Signature": sign(hook.secret, body),
    }


def _is_last_attempt(row):
    """True when no retry will follow: RQ has none left, or the row used all its tries."""
    from rq import get_current_job

    job = get_current_job()
    return row.attempts >= MAX_ATTEMPTS or (job is not None and not job.retries_left)


def _record(session, row, status, error=""):
    from ..models import utcnow

    row.status = status
    row.last_error = error
    if status == "delivered":
        row.delivered_at = utcnow()
    session.commit()


@click.command("flush-webhooks")
def flush_webhooks():
    """Queue every webhook delivery still pending (for example after Redis was down)."""
    from ..extensions import db
    from ..services.events import requeue_pending

    with app_context():
        queued = requeue_pending(db.session)
        pending = _pending_count(db.session)
    click.echo(f"queued {queued} of {pending} pending webhook deliveries")
    if pending and not queued:
        raise click.ClickException("the queue is unreachable; the rest stay pending")


def _pending_count(session):
    from sqlalchemy import func, select

    from ..models import WebhookDelivery

    return session.execute(select(func.count()).select_from(WebhookDelivery)
                           .where(WebhookDelivery.status == "pending")).scalar_one()
