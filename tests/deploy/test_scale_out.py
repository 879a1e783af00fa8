"""Scale-out is configuration: two independent ``labelart worker`` processes with different queue
sets share one Redis server (Debian's redis-server, with a password) and one MariaDB database.
Jobs on the shared queue spread across both; each queue's jobs run only on workers that take it;
none is lost and none runs twice.
"""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import text

from tests.conftest import MYSQL_URL
from worker.extensions import make_engine
from worker.migrate import upgrade

from .test_make_run import ROOT, clean_env, free_port

pytestmark = pytest.mark.slow

#: Jobs per queue: "default" is taken by both workers, "imports" only by A, "ml" only by B.
JOBS = {"default": 120, "imports": 40, "ml": 40}
QUEUES = {"a": "default,imports", "b": "ml,default"}
TIMEOUT = 180


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server") or "/usr/sbin/redis-server"
    if not os.path.exists(binary):
        pytest.skip("redis-server is not installed (scripts/test-services.sh installs it)")
    port, password = free_port(), secrets.token_hex(16)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password,
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    conn = Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            conn.ping()
            break
        except Exception:  # noqa: BLE001 - still starting
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def mariadb_url():
    from sqlalchemy.engine import make_url

    if not os.path.exists("/run/mysqld/mysqld.sock"):
        pytest.skip("MariaDB is not running (scripts/test-services.sh starts it)")
    base = make_url(MYSQL_URL)
    name = f"labelart_scale_{os.getpid()}"
    admin = make_engine(base.set(database="").render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE scale_out_runs (id BIGINT AUTO_INCREMENT PRIMARY KEY, run_id VARCHAR(40), "
                          "number VARCHAR(40), queue VARCHAR(20), worker_pid INT)"))
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


def start_worker(tmp_path, name, queues, database_url, redis_url):
    env = clean_env(tmp_path / f"data-{name}", free_port(), DATABASE_URL=database_url, REDIS_URL=redis_url)
    log = open(tmp_path / f"worker-{name}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "worker", "worker", "--queues", queues], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    return proc


def stop(proc):
    """Stop a worker this test started, by its PID (RQ finishes the job in hand on SIGTERM)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()


def test_two_workers_share_one_redis_and_one_database(tmp_path, redis_url, mariadb_url):
    workers = {name: start_worker(tmp_path, name, queues, mariadb_url, redis_url) for name, queues in QUEUES.items()}
    engine = make_engine(mariadb_url)
    conn = Redis.from_url(redis_url)
    run_id = secrets.token_hex(8)
    try:
        # Wait for both to register with Redis before enqueueing, so neither starts late.
        from rq import Worker

        deadline = time.monotonic() + 60
        while len(Worker.all(connection=conn)) < 2:
            for name, proc in workers.items():
                assert proc.poll() is None, (tmp_path / f"worker-{name}.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the workers did not register with Redis"
            time.sleep(0.2)

        expected = []
        for queue_name, count in JOBS.items():
            queue = Queue(queue_name, connection=conn)
            jobs = [Queue.prepare_data("tests.deploy.scale_jobs.record", (run_id, f"{queue_name}-{i}", queue_name))
                    for i in range(count)]
            queue.enqueue_many(jobs)
            expected += [f"{queue_name}-{i}" for i in range(count)]

        total = sum(JOBS.values())
        deadline = time.monotonic() + TIMEOUT
        while True:
            with engine.connect() as db:
                done = db.execute(text("SELECT COUNT(*) FROM scale_out_runs WHERE run_id = :r"), {"r": run_id}).scalar()
            if done >= total or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(1)  # a job run twice would show up now

        with engine.connect() as db:
            rows = db.execute(text("SELECT number, queue, worker_pid FROM scale_out_runs WHERE run_id = :r"),
                              {"r": run_id}).all()
        runs = Counter(r.number for r in rows)
        assert sorted(runs) == sorted(expected), f"lost: {sorted(set(expected) - set(runs))[:10]}"
        assert max(runs.values()) == 1, f"run twice: {[n for n, c in runs.items() if c > 1][:10]}"

        pid = {name: proc.pid for name, proc in workers.items()}
        by_queue = {q: Counter(r.worker_pid for r in rows if r.queue == q) for q in JOBS}
        assert set(by_queue["imports"]) == {pid["a"]}, "imports ran only where that queue is taken"
        assert set(by_queue["ml"]) == {pid["b"]}, "ml ran only where that queue is taken"
        assert by_queue["default"][pid["a"]] > 0 and by_queue["default"][pid["b"]] > 0, by_queue["default"]
        for queue_name in JOBS:
            assert FailedJobRegistry(queue_name, connection=conn).count == 0
            assert Queue(queue_name, connection=conn).count == 0
        for proc in workers.values():
            assert proc.poll() is None
    finally:
        for proc in workers.values():
            stop(proc)
        engine.dispose()
