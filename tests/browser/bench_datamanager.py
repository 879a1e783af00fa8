"""How fast the data manager's first page shows on a big project, measured in Chromium.

    .venv/bin/python -m tests.browser.bench_datamanager [--tasks 1000000]

Builds a project with the importer (the same code as POST /import), serves the real app
on 127.0.0.1, signs in with Chromium and opens the data manager. The page itself reports
the time from sending the request to the rendered table (#dm-timing[data-ms]); we also
time the whole navigation. Not a test: it prints figures (median of several loads).
"""
import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from .conftest import CHROMIUM, CHROMIUM_ARGS

WORDS = ["cat", "dog", "mat", "sun", "rain", "blue", "quick", "lazy", "river", "stone"]


def build(data_dir, n):
    from worker import create_app
    from worker.api.users import create_local_user
    from worker.extensions import db
    from worker.labeling.templates import TEMPLATES
    from worker.migrate import upgrade
    from worker.models import Project
    from worker.services.importer import import_items
    from worker.services.projects import create_project

    url = f"sqlite:///{data_dir / 'labelart.sqlite3'}"
    upgrade(url)
    app = create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "QUEUE_SYNC": True})
    with app.app_context():
        user = create_local_user(db.session, "bench", "password-123", is_superuser=True)
        project = create_project(db.session, user, {"title": "Big", "label_config": TEMPLATES["text-classification"]})
        db.session.commit()
        items = ({"text": f"task {i} {WORDS[i % 10]} {WORDS[(i * 7) % 10]} {WORDS[(i * 3) % 10]}"}
                 for i in range(n))
        t0 = time.perf_counter()
        import_items(db.session, project, items, user.id)
        db.session.commit()
        elapsed = time.perf_counter() - t0
        pid = project.id
        count = db.session.get(Project, pid).task_count
    print(f"imported {count} tasks in {elapsed:.1f} s")
    return app, pid


def measure(app, pid, loads):
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    results = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 860})
            page.goto(base + "/user/login")
            page.get_by_label("Username").fill("bench")
            page.get_by_label("Password").fill("password-123")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(base + "/")
            for name, query in [("first page", ""), ("status=unlabeled", "?status=unlabeled"),
                                ("order=-id", "?order=-id"), ("q=quick (text search)", "?q=quick"),
                                ("score 0.2-0.8 (no scores: full scan)", "?score_min=0.2&score_max=0.8")]:
                table, nav = [], []
                for _ in range(loads):
                    t0 = time.perf_counter()
                    page.goto(f"{base}/projects/{pid}/data{query}")
                    page.wait_for_function("() => document.body.dataset.dmLoaded", timeout=120000)
                    nav.append((time.perf_counter() - t0) * 1000)
                    table.append(int(page.get_attribute("#dm-timing", "data-ms")))
                results[name] = (statistics.median(table), statistics.median(nav),
                                 page.locator("#dm-body tr").count())
            page.goto(f"{base}/projects/{pid}/data")
            page.wait_for_function("() => document.body.dataset.dmLoaded")
            nexts = []
            for _ in range(loads):
                before = page.evaluate("document.body.dataset.dmLoaded")
                page.get_by_role("button", name="Next page").click()
                page.wait_for_function(f"() => document.body.dataset.dmLoaded !== '{before}'")
                nexts.append(int(page.get_attribute("#dm-timing", "data-ms")))
            results["next page (keyset)"] = (statistics.median(nexts), None, page.locator("#dm-body tr").count())
            page.screenshot(path=str(Path(__file__).parent / "screenshots" / "bench-data-manager.png"))
            browser.close()
    finally:
        server.shutdown()
    return results


def main():
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would drown the figures
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, pid = build(Path(tmp), args.tasks)
        results = measure(app, pid, args.loads)
        for name, (table, nav, rows) in results.items():
            extra = f", whole navigation {nav:.0f} ms" if nav is not None else ""
            print(f"{name:40s} request+render {table:6.0f} ms{extra} ({rows} rows)")
        from worker.extensions import db

        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
