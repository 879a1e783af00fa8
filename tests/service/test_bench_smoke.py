"""`make bench` in quick mode (10x smaller) runs end to end and records every figure.

It measures nothing against the floors (timings are for `make bench`); it proves the
benchmark still drives the real code paths and that the labeling stream gave out no
duplicates under 8 concurrent annotators.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FIGURES = [
    "import_http_s", "import_http_peak_rss_mib", "import_http_executemany_s", "import_http_vs_executemany",
    "import_job_s", "import_job_rss_growth_mib", "import_job_executemany_s", "import_job_vs_executemany",
    "export_s", "page_first_ms", "page_last_ms",
    "submits_per_s", "submit_p50_ms", "submit_duplicates", "submit_errors",
    "submit_https_per_s", "submit_http_p50_ms", "submit_http_duplicates", "submit_http_errors",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--workdir", str(work)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "import / executemany" in proc.stdout and "measured/LS" in proc.stdout
    return json.loads((work / "results.json").read_text())


@pytest.mark.slow
def test_quick_bench_records_every_figure(results):
    assert results["mode"] == "quick" and results["failed"] == []
    figures = results["figures"]
    missing = [k for k in FIGURES if k not in figures]
    assert not missing, missing
    for key in FIGURES:
        assert isinstance(figures[key], (int, float)) and math.isfinite(figures[key]), (key, figures[key])
    assert figures["import_http_tasks"] == 10_000 and figures["import_job_tasks"] == 100_000
    assert figures["export_tasks"] == 10_000 and figures["pages_tasks"] == 100_000
    assert {row["key"] for row in results["table"]} >= {"import_http_s", "export_s", "submits_per_s"}


@pytest.mark.slow
def test_quick_bench_stream_has_no_duplicates(results):
    f = results["figures"]
    for p in ("submit", "submit_http"):
        assert f[f"{p}_count"] > 0
        assert f[f"{p}_duplicates_same_user"] == 0 and f[f"{p}_duplicates_beyond_overlap"] == 0
        assert f[f"{p}_errors"] == 0
        assert f[f"{p}_counter_drift_tasks"] == 0 and f[f"{p}_project_counter_ok"] is True
