"""The job the scale-out test enqueues: it records which worker ran it, in MariaDB.

It is a plain module-level function taking plain values, as RQ jobs are; the worker imports it
by name (``tests.deploy.scale_jobs.record``) from the repository root it runs in.
"""
import os
import time

from sqlalchemy import text

from worker.extensions import make_engine

_ENGINE = None


def record(run_id, number, queue):
    """Insert (run_id, number, queue, worker pid); the work horse's parent is the worker."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = make_engine(os.environ["DATABASE_URL"])
    time.sleep(0.02)  # long enough that both workers are busy at once
    with _ENGINE.begin() as conn:
        conn.execute(text("INSERT INTO scale_out_runs (run_id, number, queue, worker_pid) VALUES (:r, :n, :q, :p)"),
                     {"r": run_id, "n": number, "q": queue, "p": os.getppid()})
    return number
