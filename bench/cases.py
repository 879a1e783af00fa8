"""The benchmarks. Each ``case_*`` builds its own instance, measures, and returns a dict of figures.

Sizes come from ``sizes(quick)``; the orchestrator (bench/run.py) runs every case in a
process of its own so peak-memory figures belong to that case alone.
"""
import json
import os
import sqlite3
import statistics
import threading
import time
from pathlib import Path

import orjson

from .env import MIB, Api, Instance, RssSampler, task_file


def sizes(quick):
    k = 10 if quick else 1
    return {"import_http": 100_000 // k, "import_job": 1_000_000 // k, "export": 100_000 // k,
            "pages": 1_000_000 // k, "submit_tasks": 20_000 // k, "submit_seconds": 1.5 if quick else 5.0,
            "submit_threads": 8, "page_calls": 21}


def log(msg):
    print(f"  [bench] {msg}", flush=True)


# -- the physical limit: plain sqlite3 executemany --------------------------------------

def _task_rows(path, project_id):
    """The rows import_items writes for this file, as plain tuples (built before timing)."""
    from worker.jsonio import dumps_str
    from worker.models import utcnow

    now = str(utcnow())
    rows = []
    for inner, item in enumerate(orjson.loads(Path(path).read_bytes()), start=1):
        meta = item.get("meta")
        rows.append((project_id, inner, dumps_str(item["data"]), dumps_str(meta) if meta else None, now, now,
                     0, 0, 0, 0, None))
    return rows


def executemany_baseline(root, path):
    """Seconds for sqlite3 executemany of the same rows into a freshly migrated labelart database
    (same tables and indexes, same pragmas: WAL, synchronous=NORMAL), one transaction."""
    inst = Instance(root)
    project_id = inst.project("baseline")
    inst.close()
    rows = _task_rows(path, project_id)
    conn = sqlite3.connect(inst.db_file, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    sql = ("INSERT INTO tasks (project_id, inner_id, data, meta, created_at, updated_at, total_annotations, "
           "cancelled_annotations, total_predictions, is_labeled, prediction_score) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - t0
    n = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    conn.close()
    assert n == len(rows), (n, len(rows))
    return seconds


def _count(db_file, sql, *args):
    conn = sqlite3.connect(db_file)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


# -- 1. import ----------------------------------------------------------------------------

def case_import_http(work, quick):
    """POST /api/projects/{id}/import with one JSON body of N small tasks (synchronous path)."""
    n = sizes(quick)["import_http"]
    path = task_file(work / "cache", n)
    inst = Instance(work / "tmp" / "import_http")
    api = inst.admin()
    warm = inst.project("warm-up")
    api.ok(api.post(f"/api/projects/{warm}/import", json=[{"text": "warm", "ref": 0}]), 201)
    pid = inst.project("import")
    body = path.read_bytes()
    log(f"import_http: POST {len(body) / MIB:.1f} MiB, {n} tasks")
    with RssSampler() as mem:
        t0 = time.perf_counter()
        resp = api.post(f"/api/projects/{pid}/import", data=body, content_type="application/json")
        seconds = time.perf_counter() - t0
    out = api.ok(resp, 201)
    del body
    assert out["task_count"] == n, out
    assert _count(inst.db_file, "SELECT count(*) FROM tasks WHERE project_id = ?", pid) == n
    inst.close()
    log(f"import_http: {seconds:.2f} s; executemany baseline…")
    base = executemany_baseline(work / "tmp" / "import_http_base", path)
    return {"import_http_tasks": n, "import_http_s": seconds, "import_http_peak_rss_mib": mem.peak / MIB,
            "import_http_rss_growth_mib": mem.growth / MIB, "import_http_executemany_s": base,
            "import_http_vs_executemany": seconds / base}


def case_import_job(work, quick):
    """?async=true import: the request saves the file and creates the Job; the RQ job function
    worker.jobs.imports.run_import_job then streams it in (run here, in-process, so its memory is measured)."""
    from worker.jobs.imports import run_import_job

    n = sizes(quick)["import_job"]
    path = task_file(work / "cache", n)
    root = work / "tmp" / "import_job"
    inst = Instance(root)
    api = inst.admin()
    pid = inst.project("import-1m")
    size = path.stat().st_size
    log(f"import_job: upload {size / MIB:.1f} MiB, {n} tasks")
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        resp = api.post(f"/api/projects/{pid}/import?async=true", input_stream=fh, content_length=size,
                        content_type="application/json")
    upload = time.perf_counter() - t0
    job_id = api.ok(resp, 202)["id"]
    with inst.app.app_context():
        with RssSampler() as mem:
            t0 = time.perf_counter()
            run_import_job(job_id)
            seconds = time.perf_counter() - t0
    status = api.ok(api.get(f"/api/projects/{pid}/imports/{job_id}"))
    assert status["status"] == "completed", status
    assert status["result"]["task_count"] == n, status
    assert _count(inst.db_file, "SELECT count(*) FROM tasks WHERE project_id = ?", pid) == n
    # Leave this instance for the page benchmark (it needs a project this size).
    (work / "state").mkdir(exist_ok=True)
    (work / "state" / "pages_project.json").write_text(json.dumps(
        {"root": str(root), "project": pid, "token": api.headers["Authorization"].split()[1], "tasks": n}))
    inst.close()
    log(f"import_job: {seconds:.2f} s, RSS +{mem.growth / MIB:.0f} MiB; executemany baseline…")
    base = executemany_baseline(work / "tmp" / "import_job_base", path)
    return {"import_job_tasks": n, "import_job_s": seconds, "import_job_upload_s": upload,
            "import_job_rss_growth_mib": mem.growth / MIB, "import_job_rss_late_growth_mib": mem.late_growth() / MIB,
            "import_job_peak_rss_mib": mem.peak / MIB, "import_job_executemany_s": base,
            "import_job_vs_executemany": seconds / base}


# -- 2. export ----------------------------------------------------------------------------

def case_export(work, quick):
    """GET /api/projects/{id}/export?exportType=JSON of N tasks with one annotation each, streamed."""
    n = sizes(quick)["export"]
    path = task_file(work / "cache", n, annotated=1.0)
    inst = Instance(work / "tmp" / "export")
    api = inst.admin()
    warm = inst.project("warm-up")
    api.ok(api.post(f"/api/projects/{warm}/import", json=[{"text": "warm", "ref": 0}]), 201)
    api.ok(api.get(f"/api/projects/{warm}/export?exportType=JSON&download_all_tasks=true"))
    pid = inst.project("export")
    assert inst.import_direct(pid, path) == n
    assert _count(inst.db_file, "SELECT count(*) FROM annotations WHERE project_id = ?", pid) == n
    out_file = work / "tmp" / "export" / "export.json"
    log(f"export: {n} annotated tasks")
    with RssSampler() as mem, open(out_file, "wb") as sink:
        t0 = time.perf_counter()
        resp = api.get(f"/api/projects/{pid}/export?exportType=JSON", buffered=False)
        assert resp.status_code == 200, resp.status_code
        first = None
        nbytes = chunks = 0
        for chunk in resp.response:
            if first is None:
                first = time.perf_counter() - t0
            sink.write(chunk)
            nbytes += len(chunk)
            chunks += 1
        resp.close()
        seconds = time.perf_counter() - t0
    tasks = orjson.loads(out_file.read_bytes())
    assert len(tasks) == n and all(len(t["annotations"]) == 1 for t in tasks), len(tasks)
    del tasks
    inst.close()
    return {"export_tasks": n, "export_s": seconds, "export_first_byte_s": first, "export_mib": nbytes / MIB,
            "export_chunks": chunks, "export_rss_growth_mib": mem.growth / MIB}


# -- 3. data pages ------------------------------------------------------------------------

def _pages_instance(work, quick):
    n = sizes(quick)["pages"]
    state = work / "state" / "pages_project.json"
    if state.exists():
        info = json.loads(state.read_text())
        if info["tasks"] == n and Path(info["root"], "data", "labelart.sqlite3").exists():
            inst = Instance(info["root"], fresh=False)
            return inst, Api(inst.app, info["token"]), info["project"], n
    log(f"pages: building a {n}-task project")
    inst = Instance(work / "tmp" / "pages")
    api = inst.admin()
    pid = inst.project("pages")
    inst.import_direct(pid, task_file(work / "cache", n))
    return inst, api, pid, n


def case_pages(work, quick):
    """GET /api/tasks?project=…&page_size=100 at page 1 and at the last page: median of ~20 calls."""
    inst, api, pid, n = _pages_instance(work, quick)
    calls = sizes(quick)["page_calls"]
    last = (n + 99) // 100
    out = {"pages_tasks": n}
    for name, page in (("first", 1), ("last", last)):
        url = f"/api/tasks?project={pid}&page_size=100&page={page}"
        for _ in range(3):  # warm caches
            api.ok(api.get(url))
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            resp = api.get(url)
            body = resp.get_data()
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200, body[:300]
        doc = orjson.loads(body)
        expect = 100 if page < last else n - (last - 1) * 100
        assert len(doc["tasks"]) == expect and doc["total"] == n, (len(doc["tasks"]), doc["total"])
        assert doc["tasks"][0]["data"]["ref"] == (page - 1) * 100, doc["tasks"][0]["data"]
        out[f"page_{name}_ms"] = statistics.median(times) * 1000
        out[f"page_{name}_p90_ms"] = sorted(times)[int(len(times) * 0.9)] * 1000
    inst.close()
    return out


# -- 4. next + submit ---------------------------------------------------------------------

RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]


class _TestClientCaller:
    """An annotator calling the app in-process through its own Flask test client."""

    def __init__(self, inst, token):
        self.api = Api(inst.app, token)

    def next(self, pid):
        resp = self.api.get(f"/api/projects/{pid}/next")
        return resp.status_code, (resp.get_json()["id"] if resp.status_code == 200 else None)

    def submit(self, task, body, key):
        resp = self.api.post(f"/api/tasks/{task}/annotations", json=body, headers={"Idempotency-Key": key})
        return resp.status_code

    def close(self):
        pass


class _HttpCaller:
    """An annotator calling a real gunicorn over one keep-alive HTTP connection."""

    def __init__(self, port, token):
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Token {token}"}

    def _call(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def next(self, pid):
        status, data = self._call("GET", f"/api/projects/{pid}/next")
        return status, (orjson.loads(data)["id"] if status == 200 else None)

    def submit(self, task, body, key):
        status, _ = self._call("POST", f"/api/tasks/{task}/annotations", orjson.dumps(body),
                               {"Content-Type": "application/json", "Idempotency-Key": key})
        return status

    def close(self):
        self.conn.close()


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(inst, workers):
    """gunicorn worker.wsgi:app as `labelart serve` runs it (N processes x 4 threads), on a free port."""
    import subprocess
    import sys
    import urllib.request

    port = _free_port()
    env = {**os.environ, "LABELART_DATA_DIR": str(inst.data_dir), "DATABASE_URL": inst.url,
           "REDIS_URL": f"unix://{inst.redis.socket_file}"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "worker.wsgi:app", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(workers), "--threads", os.environ.get("LABELART_WEB_THREADS", "4"), "--timeout", "120",
                             "--error-logfile", "-", "--log-level", "warning"], env=env)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).read()
            return proc, port
        except Exception:  # noqa: BLE001 - not up yet
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)


def _submit(work, quick, mode):
    s = sizes(quick)
    inst = Instance(work / "tmp" / f"submit_{mode}")
    admin = inst.admin()
    overlap = 2
    pid = inst.project("submit", maximum_annotations=overlap)
    inst.import_direct(pid, task_file(work / "cache", s["submit_tasks"]))
    users = []
    for i in range(s["submit_threads"]):
        uid, token = inst.user(f"annotator{i}")
        admin.ok(admin.post(f"/api/projects/{pid}/members", json={"user": uid, "role": "annotator"}), 201)
        users.append((uid, token))
    server = None
    if mode == "http":
        workers = int(os.environ.get("LABELART_WEB_WORKERS", "2"))
        server, port = _start_gunicorn(inst, workers)
        make_caller = lambda token: _HttpCaller(port, token)  # noqa: E731
    else:
        make_caller = lambda token: _TestClientCaller(inst, token)  # noqa: E731
    barrier = threading.Barrier(len(users) + 1)
    stop_at = [0.0]
    stats = [dict(next=[], submit=[], errors=0, done=0, exhausted=False) for _ in users]

    def annotator(i, uid, token):
        caller = make_caller(token)
        me = stats[i]
        barrier.wait()
        try:
            while time.perf_counter() < stop_at[0]:
                t0 = time.perf_counter()
                status, task = caller.next(pid)
                t1 = time.perf_counter()
                if status == 404:
                    me["exhausted"] = True
                    break
                if status != 200:
                    me["errors"] += 1
                    continue
                status = caller.submit(task, {"result": RESULT, "lead_time": 1.5}, f"u{uid}-t{task}")
                t2 = time.perf_counter()
                if status != 201:
                    me["errors"] += 1
                    continue
                me["next"].append(t1 - t0)
                me["submit"].append(t2 - t1)
                me["done"] += 1
        finally:
            caller.close()

    threads = [threading.Thread(target=annotator, args=(i, uid, tok)) for i, (uid, tok) in enumerate(users)]
    for t in threads:
        t.start()
    log(f"submit ({mode}): {len(users)} annotators for {s['submit_seconds']} s")
    start = time.perf_counter()
    stop_at[0] = start + s["submit_seconds"]
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if server is not None:
        server.terminate()
        server.wait(30)
    done = sum(m["done"] for m in stats)
    nexts = sorted(x for m in stats for x in m["next"])
    submits = sorted(x for m in stats for x in m["submit"])
    db = inst.db_file
    same_user = _count(db, "SELECT count(*) FROM (SELECT task_id, completed_by FROM annotations WHERE project_id = ? "
                           "GROUP BY task_id, completed_by HAVING count(*) > 1)", pid)
    beyond = _count(db, "SELECT count(*) FROM (SELECT task_id FROM annotations WHERE project_id = ? "
                        "AND was_cancelled = 0 GROUP BY task_id HAVING count(*) > ?)", pid, overlap)
    rows = _count(db, "SELECT count(*) FROM annotations WHERE project_id = ?", pid)
    drift = _count(db, "SELECT count(*) FROM tasks t WHERE t.project_id = ? AND t.total_annotations != "
                       "(SELECT count(*) FROM annotations a WHERE a.task_id = t.id AND a.was_cancelled = 0)", pid)
    project_total = _count(db, "SELECT total_annotations FROM projects WHERE id = ?", pid)
    inst.close()
    pct = lambda xs, q: xs[min(len(xs) - 1, int(len(xs) * q))] * 1000 if xs else float("nan")  # noqa: E731
    p = "submit" if mode == "client" else "submit_http"
    out = {f"{p}_threads": len(users), f"{p}_overlap": overlap, f"{p}_seconds": elapsed, f"{p}_count": done,
           f"{p}s_per_s": done / elapsed, f"{p}_p50_ms": pct(submits, 0.5), f"{p}_p95_ms": pct(submits, 0.95),
           f"{p}_next_p50_ms": pct(nexts, 0.5), f"{p}_next_p95_ms": pct(nexts, 0.95),
           f"{p}_errors": sum(m["errors"] for m in stats), f"{p}_annotation_rows": rows,
           f"{p}_duplicates_same_user": same_user, f"{p}_duplicates_beyond_overlap": beyond,
           f"{p}_duplicates": same_user + beyond, f"{p}_counter_drift_tasks": drift,
           f"{p}_project_counter_ok": project_total == rows}
    if mode == "http":
        out["submit_http_web_workers"] = workers
    return out


def case_submit(work, quick):
    """8 annotator threads, each its own user and Flask test client (one process), loop /next + submit."""
    return _submit(work, quick, "client")


def case_submit_http(work, quick):
    """The same against a real gunicorn (worker.wsgi:app, LABELART_WEB_WORKERS x 4 threads) over HTTP."""
    return _submit(work, quick, "http")


CASES = {"import_http": case_import_http, "import_job": case_import_job, "export": case_export,
         "pages": case_pages, "submit": case_submit,
         "submit_http": case_submit_http}
