"""What the bundled classifiers share: featurise tasks, train a small network, keep versions.

Subclasses give ``featurize(task) -> tensor`` and ``network(n_classes) -> nn.Module``; this
class splits annotations into training and held-out sets (by a hash of the task id, so a task
stays on the same side from one round to the next and accuracies are comparable), trains,
measures held-out accuracy, and stores the weights as a new version.
"""
import hashlib
import logging
import threading
import time

from .base import LabelArtMLBase, confidence, device
from .media import MediaError

log = logging.getLogger(__name__)

#: Defaults; each can be overridden by the backend's ``extra_params`` (or the server's env).
DEFAULTS = {"epochs": 40, "batch_size": 32, "lr": 3e-3, "weight_decay": 1e-4, "held_out": 0.2, "seed": 0}
#: Loaded networks kept per process, so a worker predicting batch after batch loads once.
_CACHE = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def held_out(task_id, fraction):
    """Whether ``task_id`` is in the held-out set (stable across rounds and processes)."""
    digest = hashlib.sha256(f"labelart-holdout:{task_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2 ** 32 < fraction


class TorchClassifier(LabelArtMLBase):
    """A single-label classifier for one ``Choices`` control."""

    #: Per-model changes to DEFAULTS.
    DEFAULT_PARAMS = {}
    #: One feature tensor per task (a few KiB to 16 KiB): 1,000 tasks per batch job pay the ~2 s a
    #: work horse spends importing torch and loading the model once per 1,000 predictions, not per
    #: 200 (bench/ml_throughput.py, 10,000 images, 2 workers on 2 cores: 86 -> 305 predictions/s).
    PREDICT_BATCH = 1000

    def hyper(self, name):
        value = self.params.get(name, self.DEFAULT_PARAMS.get(name, DEFAULTS[name]))
        return type(DEFAULTS[name])(value)

    # ------------------------------------------------------------ for subclasses

    def featurize(self, task):
        raise NotImplementedError

    def featurize_many(self, tasks):
        """Features of several tasks, stacked (models that batch their encoder override this)."""
        import torch

        return torch.stack([self.featurize(task) for task in tasks])

    def network(self, n_classes):
        raise NotImplementedError

    def augment(self, batch):
        """Label-preserving random changes to a training batch (none by default)."""
        return batch

    # ------------------------------------------------------------ training

    def fit(self, event, data):
        """Train a new version from every annotated task in ``data["tasks"]``; return metrics.

        Returns ``{"status": "skipped", "reason"}`` when there is too little to learn from.
        """
        import torch

        started = time.monotonic()
        examples = self.examples(data)
        fraction = self.hyper("held_out")
        train, test = [], []
        for n, (task, label) in enumerate(examples):
            (test if held_out(task.get("id", n), fraction) else train).append((task, label))
        if len({label for _, label in train}) < 2:
            return {"status": "skipped", "reason": f"need annotations of at least two classes "
                                                   f"(have {len(train)} training examples)",
                    "train": len(train), "held_out": len(test)}
        labels = list(self.binding.labels)
        x_train, y_train = self._tensors(train, labels)
        torch.manual_seed(self.hyper("seed"))
        dev = device()
        net = self.network(len(labels)).to(dev)
        losses = self._train(net, x_train, y_train, dev)
        accuracy = None
        if test:
            x_test, y_test = self._tensors(test, labels)
            accuracy = float((self._probs(net, x_test, dev).argmax(1) == y_test).float().mean())
        metrics = {"status": "ok", "accuracy": accuracy, "held_out": len(test), "train": len(train),
                   "annotations": len(examples), "epochs": self.hyper("epochs"),
                   "loss": [round(v, 4) for v in losses], "seconds": round(time.monotonic() - started, 2),
                   "device": str(dev)}
        if self.store is not None:
            version = self.store.save(net.state_dict(), {"model": self.name, "labels": labels,
                                                         "metrics": metrics, "params": self.params})
            metrics["model_version"] = f"{self.name}.v{version}"
        return metrics

    def _tensors(self, pairs, labels):
        import torch

        index = {label: i for i, label in enumerate(labels)}
        x = self.featurize_many([task for task, _ in pairs])
        y = torch.tensor([index[label] for _, label in pairs])
        return x, y

    def _train(self, net, x, y, dev):
        import torch
        import torch.nn.functional as F

        opt = torch.optim.AdamW(net.parameters(), lr=self.hyper("lr"), weight_decay=self.hyper("weight_decay"))
        epochs, size = self.hyper("epochs"), self.hyper("batch_size")
        batches = (len(x) + size - 1) // size
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.hyper("lr"), total_steps=epochs * batches)
        gen = torch.Generator().manual_seed(self.hyper("seed"))
        losses = []
        net.train()
        for _ in range(epochs):
            total = 0.0
            # Batches of equal size (100 examples: 4 x 25, not 3 x 32 + 4): a last batch of a few
            # examples gives BatchNorm noisy statistics and a noisy step every epoch, which cost the
            # image classifier 7 points of accuracy after 100 labels (bench/ml_learning.py).
            for idx in torch.randperm(len(x), generator=gen).tensor_split(batches):
                xb, yb = self.augment(x[idx]).to(dev), y[idx].to(dev)
                loss = F.cross_entropy(net(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            losses.append(total / len(x))
        net.eval()
        return losses

    @staticmethod
    def _probs(net, x, dev, batch=256):
        import torch

        with torch.no_grad():
            return torch.cat([torch.softmax(net(x[i:i + batch].to(dev)), 1).cpu()
                              for i in range(0, len(x), batch)])

    # ------------------------------------------------------------ prediction

    def loaded(self):
        """(network, labels, version) of the newest stored version, or None before training."""
        version = self.store.latest() if self.store is not None else None
        if version is None:
            return None
        key = (str(self.store.dir), version)
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        tensors, meta = self.store.load(version)
        labels = meta["labels"]
        dev = device()
        net = self.network(len(labels))
        net.load_state_dict(tensors)
        net.to(dev).eval()
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = (net, labels, version)
        return _CACHE[key]

    def setup(self):
        self.loaded()
        return self.model_version

    def predict(self, tasks, context=None):
        import torch

        found = self.loaded()
        version = self.model_version
        if found is None:
            return [{"result": [], "score": None, "model_version": version} for _ in tasks]
        net, labels, _ = found
        method = self.uncertainty()
        try:
            feats, ok = self.featurize_many(tasks), [True] * len(tasks)
        except (MediaError, ValueError, KeyError):
            # One bad task must not cost the batch: featurise one by one to find it.
            feats, ok = [], []
            for task in tasks:
                try:
                    feats.append(self.featurize_many([task])[0])
                    ok.append(True)
                except (MediaError, ValueError, KeyError) as exc:
                    log.warning("task %s: cannot featurize: %s", task.get("id"), exc)
                    ok.append(False)
            feats = torch.stack(feats) if feats else None
        probs = iter(self._probs(net, feats, device()).tolist() if feats is not None else [])
        out = []
        for good in ok:
            if not good:
                out.append({"result": [], "score": None, "model_version": version})
                continue
            p = next(probs)
            best = max(range(len(p)), key=p.__getitem__)
            score = round(confidence(p, method), 6)
            out.append({"result": [self.choice_region(labels[best], round(p[best], 6))], "score": score,
                        "model_version": version})
        return out
