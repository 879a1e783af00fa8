"""`make bench-ml` in quick mode runs end to end: both benches, as subprocesses, on tiny data.

The figures of a quick run prove nothing (a few images, 2-3 epochs); these tests prove the
benchmarks still drive the real code: ``labelart synth``, the model classes' training loop,
the plot, gunicorn, the ML backend server, RQ workers and the per-task /predict path.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(module, out, *args):
    proc = subprocess.run([sys.executable, "-m", module, "--quick", "--out", str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_quick_active_learning_bench(tmp_path):
    stdout = bench("bench.ml_learning", tmp_path, "--seeds", "2")
    assert "active learning at 20 labels, mean of 2 seeds" in stdout
    report = json.loads((tmp_path / "learning.json").read_text())
    assert report["quick"] and 0 <= report["images_accuracy_after_40"] <= 1
    for strategy in ("uncertainty", "random"):
        runs = report["curves"][strategy]
        assert len(runs) == 2 and [n for n, _ in runs[0]] == [10, 20]
    png = (tmp_path / "active_learning.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


@pytest.mark.slow
def test_quick_throughput_bench(tmp_path):
    stdout = bench("bench.ml_throughput", tmp_path / "throughput")
    assert "ratio rq_batches_external_http / http_per_task" in stdout and "(extrapolated)" in stdout
    results = json.loads((tmp_path / "throughput.json").read_text())
    for name in ("rq_batches_bundled", "rq_batches_external_http"):
        assert results[name]["written"] == 300 and results[name]["per_s"] > 0
        assert results[f"ratio_{name}_vs_per_task"] > 0
    assert results["http_per_task"]["written"] == results["http_per_task"]["tasks"] == 30
