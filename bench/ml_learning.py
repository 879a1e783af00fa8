"""ML proof, part 1: held-out accuracy after 200 labels (image and audio classifiers), and
active learning (uncertainty) against random sampling at 100 labels over 5 seeds, plotted.

    python -m bench.ml_learning [--seeds 5] [--out bench/out/ml]

Data comes from ``labelart synth`` (classify images; tones/chords audio). The real model
classes do the work; features are computed once per item (decoding media is not what is
measured) and each round trains a fresh network with the model's own training loop.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

from ml_backend.base import confidence
from ml_backend.media import MediaLoader
from ml_backend.models.audio_classifier import AudioClassifier
from ml_backend.models.image_classifier import ImageClassifier

LABELART = Path(sys.executable).with_name("labelart")
#: Pool / test split sizes and the active-learning schedule.
POOL, TEST, START, STEP, BUDGET = 400, 400, 10, 10, 100


def synth(kind, out, count):
    args = {"images": ["images", "--task", "classify"], "audio": ["audio"]}[kind]
    if not (out / "tasks.json").exists():
        subprocess.run([str(LABELART), "synth", *args, "--count", str(count), "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
    tasks = json.loads((out / "tasks.json").read_text())
    for i, t in enumerate(tasks):
        t["id"] = i + 1
    return tasks, (out / "label_config.xml").read_text()


def features(cls, tasks, config, root, params):
    model = cls(config, media=MediaLoader(local_root=root), params=params)
    labels = list(model.binding.labels)
    x = model.featurize_many(tasks)
    y = torch.tensor([labels.index(model.label_of(t["annotations"][0])) for t in tasks])
    return model, x, y


def train_eval(model, x, y, xt, yt, seed):
    torch.manual_seed(seed)
    net = model.network(int(y.max()) + 1 if False else len(model.binding.labels))
    model.params["seed"] = seed
    model._train(net, x, y, torch.device("cpu"))
    probs = model._probs(net, xt, torch.device("cpu"))
    return net, float((probs.argmax(1) == yt).float().mean())


def accuracy_at_200(cls, tasks, config, root):
    model, x, y = features(cls, tasks, config, root, {})
    started = time.monotonic()
    _, acc = train_eval(model, x[:200], y[:200], x[200:], y[200:], 0)
    return acc, time.monotonic() - started, len(tasks) - 200


def active_curve(model, x, y, xt, yt, seed, strategy):
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=gen).tolist()
    chosen, rest = order[:START], order[START:]
    curve = []
    while True:
        net, acc = train_eval(model, x[chosen], y[chosen], xt, yt, seed)
        curve.append((len(chosen), acc))
        if len(chosen) >= BUDGET:
            return curve
        if strategy == "uncertainty":
            probs = model._probs(net, x[rest], torch.device("cpu")).tolist()
            scores = [confidence(p, "least_confidence") for p in probs]
            pick = sorted(range(len(rest)), key=scores.__getitem__)[:STEP]
        else:
            pick = list(range(STEP))
        picked = {rest[i] for i in pick}
        chosen += [rest[i] for i in pick]
        rest = [r for r in rest if r not in picked]


def plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for strategy, colour in (("uncertainty", "#4363d8"), ("random", "#e6194b")):
        runs = curves[strategy]
        xs = [n for n, _ in runs[0]]
        for run in runs:
            ax.plot(xs, [a for _, a in run], color=colour, alpha=0.2, linewidth=1)
        mean = [sum(run[i][1] for run in runs) / len(runs) for i in range(len(xs))]
        ax.plot(xs, mean, color=colour, linewidth=2.5, marker="o", label=f"{strategy} (mean of {len(runs)} seeds)")
    ax.set_xlabel("labeled examples")
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Image classifier on synthetic shapes: active learning vs random")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default="bench/out/ml")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    report = {}
    for kind, cls in (("images", ImageClassifier), ("audio", AudioClassifier)):
        tasks, config = synth(kind, out / kind, 600)
        acc, seconds, n_test = accuracy_at_200(cls, tasks, config, out / kind)
        report[f"{kind}_accuracy_after_200"] = acc
        print(f"{cls.name}: held-out accuracy after 200 labels = {acc:.1%} "
              f"({n_test} held-out clips/images, trained in {seconds:.1f} s)", flush=True)

    tasks, config = synth("images", out / "images", 600)
    model, x, y = features(ImageClassifier, tasks, config, out / "images", {})
    xp, yp, xt, yt = x[:POOL], y[:POOL], x[POOL:POOL + TEST], y[POOL:POOL + TEST]
    curves = {"uncertainty": [], "random": []}
    for seed in range(args.seeds):
        for strategy in curves:
            curves[strategy].append(active_curve(model, xp, yp, xt[:200], yt[:200], seed, strategy))
            print(f"seed {seed} {strategy:11s}: accuracy at {BUDGET} labels = {curves[strategy][-1][-1][1]:.1%}",
                  flush=True)
    means = {s: sum(run[-1][1] for run in runs) / len(runs) for s, runs in curves.items()}
    report.update({f"{s}_at_{BUDGET}": m for s, m in means.items()}, curves=curves)
    png = out / "active_learning.png"
    plot(curves, png)
    print(f"active learning at {BUDGET} labels, mean of {args.seeds} seeds: uncertainty {means['uncertainty']:.1%} "
          f"vs random {means['random']:.1%} (ratio {means['uncertainty'] / means['random']:.3f}); plot: {png}")
    (out / "learning.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
