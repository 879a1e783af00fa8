"""ML proof, part 1: held-out accuracy after 200 labels (image and audio classifiers), and
active learning (uncertainty) against random sampling at 100 labels over 5 seeds, plotted.

    python -m bench.ml_learning [--seeds 5] [--out bench/out/ml] [--threads 1] [--quick] [--data images]

``--data`` picks what the active-learning part learns (other than ``images``, it runs only that
part, into ``active_learning-<data>.png`` / ``learning-<data>.json``): ``images`` (the image
classifier as shipped, on its figure/ground map), ``images-rgb`` (the same images with its
``"input": "rgb"`` option: a much harder task for the small CNN) or ``audio`` (the audio
classifier on tones/chords: harder than the shapes, unlike RGB still learnt to ~96% by 200).

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
#: Items drawn per kind; the first "train" train the 200-label models, the rest are their held-out set.
#: Active learning: the first "pool" images are the unlabeled pool, the next "test" the held-out set;
#: "start" random labels, then "step" more per round (by uncertainty or at random) up to "budget".
FULL = {"count": 600, "train": 200, "pool": 400, "test": 200, "start": 10, "step": 10, "budget": 100,
        "params": {}}
#: ``--quick``: a smoke run (tests/ml/test_bench_ml.py) of the same code, small and few epochs.
QUICK = {"count": 60, "train": 40, "pool": 40, "test": 20, "start": 10, "step": 10, "budget": 20,
         "params": {"epochs": 3}}


def synth(kind, out, count):
    args = {"images": ["images", "--task", "classify"], "audio": ["audio"]}[kind]
    if not (out / "tasks.json").exists() or len(json.loads((out / "tasks.json").read_text())) != count:
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
    model.params["seed"] = seed
    net = model.network(len(model.binding.labels))
    model._train(net, x, y, torch.device("cpu"))
    probs = model._probs(net, xt, torch.device("cpu"))
    return net, float((probs.argmax(1) == yt).float().mean())


def accuracy_after(cls, tasks, config, root, n, params):
    model, x, y = features(cls, tasks, config, root, params)
    started = time.monotonic()
    _, acc = train_eval(model, x[:n], y[:n], x[n:], y[n:], 0)
    return acc, time.monotonic() - started, len(tasks) - n


def active_curve(model, x, y, xt, yt, seed, strategy, plan):
    """Accuracy on (xt, yt) after each round. Both strategies start from the same random
    ``start`` labels (per seed); "uncertainty" then labels the ``step`` pool items whose top
    probability is lowest (least confidence), "random" the next ``step`` of a random order."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=gen).tolist()
    chosen, rest = order[:plan["start"]], order[plan["start"]:]
    curve = []
    while True:
        net, acc = train_eval(model, x[chosen], y[chosen], xt, yt, seed)
        curve.append((len(chosen), acc))
        if len(chosen) >= plan["budget"]:
            return curve
        step = plan["step"]
        if strategy == "uncertainty":
            probs = model._probs(net, x[rest], torch.device("cpu")).tolist()
            scores = [confidence(p, "least_confidence") for p in probs]
            pick = sorted(range(len(rest)), key=scores.__getitem__)[:step]
        else:
            pick = list(range(step))
        picked = {rest[i] for i in pick}
        chosen += [rest[i] for i in pick]
        rest = [r for r in rest if r not in picked]


#: --data -> (synth kind, model class, params, what the plot calls it, what an item is).
DATA = {"images": ("images", ImageClassifier, {}, "image classifier on synthetic shapes (figure/ground input, "
                   "as shipped)", "images"),
        "images-rgb": ("images", ImageClassifier, {"input": "rgb"}, "image classifier on synthetic shapes "
                       "(RGB input)", "images"),
        "audio": ("audio", AudioClassifier, {}, "audio classifier on synthetic tones and chords", "clips")}


def plot(curves, path, plan, data="images"):
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
        name = "uncertainty (least confidence)" if strategy == "uncertainty" else "random"
        ax.plot(xs, mean, color=colour, linewidth=2.5, marker="o",
                label=f"{name}: mean of {len(runs)} seeds, {mean[-1]:.1%} at {xs[-1]}")
    _, _, _, what, items = DATA[data]
    ax.set_xlabel(f"labeled examples (pool of {plan['pool']} {items}, {plan['step']} more per round)")
    ax.set_ylabel(f"accuracy on {plan['test']} held-out {items}")
    ax.set_xticks(xs)
    lowest = min(a for runs in curves.values() for run in runs for _, a in run)
    ax.set_ylim(max(0.0, lowest - 0.2), 1.01)  # room for the legend below the curves
    ax.set_title(f"Active learning vs random sampling (thin lines: single seeds, thick: mean)\n{what}",
                 fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default="bench/out/ml")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 is fastest for these small nets on a busy 2-core machine)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny data, 3 epochs, no claims")
    parser.add_argument("--data", choices=tuple(DATA), default="images",
                        help="what the active-learning part learns (not images: only that part runs)")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    report = {"plan": plan, "seeds": args.seeds, "threads": args.threads, "quick": args.quick, "data": args.data}
    started = time.monotonic()
    n = plan["train"]
    suffix = "" if args.data == "images" else f"-{args.data}"
    for kind, cls in (("images", ImageClassifier), ("audio", AudioClassifier)) if not suffix else ():
        tasks, config = synth(kind, out / kind, plan["count"])
        acc, seconds, n_test = accuracy_after(cls, tasks, config, out / kind, n, dict(plan["params"]))
        report[f"{kind}_accuracy_after_{n}"] = acc
        print(f"{cls.name}: held-out accuracy after {n} labels = {acc:.1%} "
              f"({n_test} held-out {kind}, trained in {seconds:.1f} s)", flush=True)

    kind, cls, extra, _, _ = DATA[args.data]
    tasks, config = synth(kind, out / kind, plan["count"])
    model, x, y = features(cls, tasks, config, out / kind, {**plan["params"], **extra})
    pool, test, budget = plan["pool"], plan["test"], plan["budget"]
    xp, yp, xt, yt = x[:pool], y[:pool], x[pool:pool + test], y[pool:pool + test]
    assert len(xt) == test, "not enough items for the pool and the held-out set"
    curves = {"uncertainty": [], "random": []}
    for seed in range(args.seeds):
        for strategy in curves:
            curves[strategy].append(active_curve(model, xp, yp, xt, yt, seed, strategy, plan))
            print(f"seed {seed} {strategy:11s}: " + " ".join(f"{a:.0%}" for _, a in curves[strategy][-1])
                  + f"  -> {curves[strategy][-1][-1][1]:.1%} at {budget} labels", flush=True)
    means = {s: sum(run[-1][1] for run in runs) / len(runs) for s, runs in curves.items()}
    pairs = list(zip(curves["uncertainty"], curves["random"]))
    wins = sum(u[-1][1] > r[-1][1] for u, r in pairs)
    ties = sum(u[-1][1] == r[-1][1] for u, r in pairs)
    # The whole curve, less noisy than its last point: mean accuracy over every round and seed.
    area = {s: sum(a for run in runs for _, a in run) / sum(len(run) for run in runs) for s, runs in curves.items()}
    report.update({f"{s}_at_{budget}": m for s, m in means.items()}, curves=curves, uncertainty_wins=wins,
                  ties=ties, mean_over_curve=area)
    png = out / f"active_learning{suffix}.png"
    plot(curves, png, plan, args.data)
    print(f"active learning at {budget} labels, mean of {args.seeds} seeds: uncertainty {means['uncertainty']:.1%} "
          f"vs random {means['random']:.1%} (ratio {means['uncertainty'] / means['random']:.3f}; uncertainty "
          f"higher in {wins}, tied in {ties} of {args.seeds} seeds); mean over all rounds: uncertainty "
          f"{area['uncertainty']:.1%} vs random {area['random']:.1%}; plot: {png}")
    print(f"total {time.monotonic() - started:.0f} s with {args.threads} torch thread(s)")
    report["seconds"] = round(time.monotonic() - started, 1)
    (out / f"learning{suffix}.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
