"""What the bundled region models share: read region annotations, train, keep versions, predict.

Subclasses (``models/detector.py``, ``segmenter.py``, ``keypoints.py``) say which control tag
they learn (``CONTROL``), turn one annotated region into a training object (``truth``), build
their network, compute its loss on a batch and turn its output into Label Studio regions.
This class reads the images (resized to a square: Label Studio's percent units do not care),
splits annotated tasks into training and held-out sets by a hash of the task id (as the
classifiers do), augments with flips and transposes, trains on the GPU when there is one,
measures the held-out set, and stores the weights as a new safetensors version.

Online learning: every round (``train_every`` annotations, or START_TRAINING) starts from the
newest version when its labels are the same, and then needs far fewer epochs.
"""
import io
import logging
import threading
import time

from . import labeling
from .base import LabelArtMLBase, device
from .classifier import held_out
from .media import MediaError

log = logging.getLogger(__name__)

#: Defaults; each can be overridden by the backend's ``extra_params``.
DEFAULTS = {"epochs": 60, "warm_epochs": 12, "batch_size": 16, "lr": 4e-3, "weight_decay": 1e-4,
            "held_out": 0.2, "seed": 0, "score_threshold": 0.3, "max_regions": 30, "warm_start": True,
            "cpu_threads": 1}
#: Side of the square work image that masks are cut from (the detector sees it halved).
WORK = 256
#: Peaks weaker than this are not decisions at all; the task score looks at the rest.
CANDIDATE = 0.05
#: Bumped when the networks change shape, so an old version is never loaded into a new net.
ARCH = 1
_CACHE = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 8


def find_binding(label_config, shapes):
    """The first (control, object) binding in ``shapes`` with at least one label (a detector
    may look for a single kind of thing). Raises labeling.ConfigMismatch."""
    for binding in labeling.parse(label_config):
        for control, objects in shapes:
            if binding.control == control and binding.object in objects and binding.labels:
                return binding
    wanted = ", ".join(f"<{c}> on <{'/'.join(o)}>" for c, o in shapes)
    raise labeling.ConfigMismatch(f"the labeling config has none of: {wanted} (with at least one label)")


def read_image(media, task, field):
    """(uint8 tensor (3, WORK, WORK), (width, height)) of a task's image. Raises MediaError."""
    import numpy as np
    import torch
    from PIL import Image, UnidentifiedImageError

    raw = media.read(task["data"][field])
    try:
        img = Image.open(io.BytesIO(raw))
        img.draft("RGB", (WORK, WORK))  # JPEGs decode straight at a smaller scale
        size = Image.open(io.BytesIO(raw)).size
        img = img.convert("RGB").resize((WORK, WORK), Image.BILINEAR)
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"task {task.get('id')}: not an image Pillow can read") from exc
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1), size


def dihedral(k, image, objects, masks=None):
    """The image (C, H, W), its objects and masks (N, H, W) flipped/transposed by ``k`` (0..7)."""
    def pt(x, y):
        if k & 4:
            x, y = y, x
        return (1 - x if k & 1 else x), (1 - y if k & 2 else y)

    def tensor(t):
        if k & 4:
            t = t.transpose(-1, -2)
        if k & 1:
            t = t.flip(-1)
        if k & 2:
            t = t.flip(-2)
        return t

    out = []
    for obj in objects:
        obj = dict(obj)
        if "box" in obj:
            (ax, ay), (bx, by) = pt(*obj["box"][:2]), pt(*obj["box"][2:])
            obj["box"] = (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))
        if "point" in obj:
            obj["point"] = pt(*obj["point"])
        out.append(obj)
    return tensor(image), out, (tensor(masks) if masks is not None else None)


class RegionModel(LabelArtMLBase):
    """Learns one region control on an ``<Image>`` from the project's annotations."""

    CONTROL = ""
    #: Per-model changes to DEFAULTS.
    DEFAULT_PARAMS = {}
    #: Whether training needs each object's mask (rendered from its outline).
    NEEDS_MASKS = False

    def __init__(self, label_config, project="", store=None, media=None, params=None):
        from .media import MediaLoader

        self.label_config, self.project, self.store = label_config, project, store
        self.media = media or MediaLoader()
        self.params = dict(params or {})
        self.binding = find_binding(label_config, self.SHAPES)

    @classmethod
    def serves(cls, label_config):
        try:
            find_binding(label_config, cls.SHAPES)
        except labeling.ConfigMismatch:
            return False
        return True

    def hyper(self, name):
        value = self.params.get(name, self.DEFAULT_PARAMS.get(name, DEFAULTS[name]))
        return type(DEFAULTS[name])(value)

    # ------------------------------------------------------------ for subclasses

    def truth(self, value, label):
        """A training object from one region's ``value`` ({"label", "box", ...}), or None."""
        raise NotImplementedError

    def network(self, n_classes):
        raise NotImplementedError

    def loss(self, net, images, objects, masks, dev):
        """The training loss of a batch of uint8 WORK images (B, 3, WORK, WORK)."""
        raise NotImplementedError

    def propose(self, net, images, dev, threshold):
        """Per image, [(label, score, geometry)] above ``threshold``, best first."""
        raise NotImplementedError

    def region_value(self, geometry, size):
        """A Label Studio ``value`` (without the label list) for one proposal."""
        raise NotImplementedError

    def evaluate(self, net, images, objects, sizes, dev):
        """Held-out metrics (a dict) of ``net``."""
        raise NotImplementedError

    # ------------------------------------------------------------ reading annotations

    def objects_of(self, annotation, labels):
        """Training objects of one annotation, None when it says nothing about this control."""
        if annotation.get("was_cancelled"):
            return None
        result = annotation.get("result") or []
        if not isinstance(result, list):
            return None
        out = []
        for region in result:
            if not isinstance(region, dict) or region.get("from_name") != self.binding.from_name:
                continue
            value = region.get("value") or {}
            names = value.get(self.binding.type) or []
            if len(names) != 1 or names[0] not in labels:
                continue
            try:
                obj = self.truth(value, labels.index(names[0]))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("skipping a malformed %s region: %s", self.binding.type, exc)
                continue
            if obj is not None:
                out.append(obj)
        # An annotation with no regions at all says "nothing here": a negative example. One
        # that only has other controls' regions says nothing about this one.
        return out if out or not result else None

    def examples(self, data):
        """[(task, objects)]: the newest usable annotation of each task (ground truth first)."""
        labels = list(self.binding.labels)
        out = []
        for task in data.get("tasks") or []:
            anns = sorted(task.get("annotations") or [], key=lambda a: (bool(a.get("ground_truth")),
                                                                       a.get("id") or 0))
            for ann in reversed(anns):
                objects = self.objects_of(ann, labels)
                if objects is not None:
                    out.append((task, objects))
                    break
        return out

    def images(self, tasks):
        """(uint8 tensor (N, 3, WORK, WORK), sizes, ok flags); unreadable tasks get a blank image."""
        import torch

        images, sizes, ok = torch.zeros(len(tasks), 3, WORK, WORK, dtype=torch.uint8), [], []
        for i, task in enumerate(tasks):
            try:
                images[i], size = read_image(self.media, task, self.binding.value)
                sizes.append(size)
                ok.append(True)
            except (MediaError, KeyError) as exc:
                log.warning("task %s: cannot read its image: %s", task.get("id"), exc)
                sizes.append((WORK, WORK))
                ok.append(False)
        return images, sizes, ok

    # ------------------------------------------------------------ training

    def fit(self, event, data):
        """Train a new version from every annotated task in ``data["tasks"]``; return metrics."""
        import torch

        started = time.monotonic()
        examples = self.examples(data)
        fraction = self.hyper("held_out")
        train, test = [], []
        for n, pair in enumerate(examples):
            (test if held_out(pair[0].get("id", n), fraction) else train).append(pair)
        if sum(len(objs) for _, objs in train) < 2:
            return {"status": "skipped", "reason": f"need at least two annotated {self.binding.control} regions "
                                                   f"to learn from (have {len(train)} training images)",
                    "train": len(train), "held_out": len(test)}
        labels = list(self.binding.labels)
        torch.manual_seed(self.hyper("seed"))
        dev = device()
        net = self.network(len(labels))
        epochs, warm = self._warm_start(net, labels)
        net.to(dev)
        images, sizes, _ = self.images([t for t, _ in train])
        objects = [objs for _, objs in train]
        masks = self._masks(objects) if self.NEEDS_MASKS else None
        threads = torch.get_num_threads()
        if dev.type == "cpu":
            # These convolutions are small: on a CPU shared with other work, one thread trains
            # several times faster than threads fighting over cores (measured on two busy cores).
            torch.set_num_threads(max(1, self.hyper("cpu_threads")))
        try:
            losses = self._train(net, images, objects, masks, dev, epochs)
        finally:
            torch.set_num_threads(threads)
        metrics = {"status": "ok", "train": len(train), "held_out": len(test), "annotations": len(examples),
                   "regions": sum(len(o) for o in objects), "epochs": epochs, "warm_start": warm,
                   "loss": [round(v, 4) for v in losses], "device": str(dev)}
        if test:
            t_images, t_sizes, _ = self.images([t for t, _ in test])
            metrics.update(self.evaluate(net, t_images, [o for _, o in test], t_sizes, dev))
        metrics["seconds"] = round(time.monotonic() - started, 2)
        if self.store is not None:
            version = self.store.save(net.state_dict(), {"model": self.name, "labels": labels, "arch": ARCH,
                                                         "metrics": metrics, "params": self.params})
            metrics["model_version"] = f"{self.name}.v{version}"
        return metrics

    def _warm_start(self, net, labels):
        """(epochs, version warmed from): start from the newest version when it fits."""
        latest = self.store.latest() if self.store is not None else None
        if latest is None or not self.hyper("warm_start"):
            return self.hyper("epochs"), None
        meta = self.store.meta(latest)
        if meta.get("labels") != labels or meta.get("arch") != ARCH or meta.get("model") != self.name:
            return self.hyper("epochs"), None
        tensors, _ = self.store.load(latest)
        net.load_state_dict(tensors)
        return self.hyper("warm_epochs"), latest

    def _masks(self, objects):
        """Per image, the objects' masks (N, WORK, WORK) drawn from their outlines."""
        import numpy as np
        import torch

        from .geometry import fill

        return [torch.from_numpy(np.stack([fill(o["outline"], WORK, WORK) for o in objs]))
                if objs else torch.zeros(0, WORK, WORK, dtype=torch.uint8) for objs in objects]

    def _train(self, net, images, objects, masks, dev, epochs):
        import torch

        size, lr = self.hyper("batch_size"), self.hyper("lr")
        steps = max(1, epochs * ((len(images) + size - 1) // size))
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=self.hyper("weight_decay"))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
        gen = torch.Generator().manual_seed(self.hyper("seed"))
        losses = []
        net.train()
        for _ in range(epochs):
            total = 0.0
            for idx in torch.randperm(len(images), generator=gen).split(size):
                b_img, b_obj, b_mask = [], [], []
                for i in idx.tolist():
                    k = int(torch.randint(8, (1,), generator=gen))
                    img, objs, m = dihedral(k, images[i], objects[i], masks[i] if masks else None)
                    # Colours say little about where things are: shuffle the channels.
                    b_img.append(img[torch.randperm(3, generator=gen)])
                    b_obj.append(objs)
                    b_mask.append(m)
                loss = self.loss(net, torch.stack(b_img), b_obj, b_mask if masks else None, dev)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            losses.append(total / len(images))
        net.eval()
        return losses

    # ------------------------------------------------------------ prediction

    def loaded(self):
        """(network, labels) of the newest stored version, or None before training."""
        version = self.store.latest() if self.store is not None else None
        if version is None:
            return None
        key = (str(self.store.dir), version)
        with _CACHE_LOCK:
            if key in _CACHE:
                return _CACHE[key]
        tensors, meta = self.store.load(version)
        net = self.network(len(meta["labels"]))
        net.load_state_dict(tensors)
        net.to(device()).eval()
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = (net, meta["labels"])
        return _CACHE[key]

    def setup(self):
        self.loaded()
        return self.model_version

    def predict(self, tasks, context=None):
        """Proposed regions per task with scores; the task ``score`` is how sure the model is of
        its least sure decision (a peak near 0.5 is a coin toss), for uncertainty sampling."""
        import torch

        found = self.loaded()
        version = self.model_version
        empty = {"result": [], "score": None, "model_version": version}
        if found is None or not tasks:
            return [dict(empty) for _ in tasks]
        net, labels = found
        images, sizes, ok = self.images(tasks)
        threshold, limit = self.hyper("score_threshold"), self.hyper("max_regions")
        dev, out = device(), []
        proposals = []
        with torch.no_grad():
            for start in range(0, len(tasks), 64):
                proposals += self.propose(net, images[start:start + 64], dev, min(threshold, CANDIDATE))
        b = self.binding
        for good, props, (w, h) in zip(ok, proposals, sizes):
            if not good:
                out.append(dict(empty))
                continue
            sure = [max(s, 1 - s) for _, s, _ in props]
            result = []
            for label, score, geometry in props:
                if score < threshold or len(result) >= limit:
                    continue
                value = self.region_value(geometry, (w, h))
                if value is None:
                    continue
                value[b.type] = [labels[label]]
                result.append({"from_name": b.from_name, "to_name": b.to_name, "type": b.type,
                               "original_width": w, "original_height": h, "image_rotation": 0,
                               "value": value, "score": round(score, 4)})
            out.append({"result": result, "score": round(min(sure), 4) if sure else 1.0, "model_version": version})
        return out


# ---------------------------------------------------------------- shared by the subclasses

def detector_input(images, dev):
    """The detector's input (B, 4, SIZE, SIZE) from uint8 WORK images."""
    import torch.nn.functional as F

    from .nets import SIZE, prepare

    return prepare(F.interpolate(images.float(), size=(SIZE, SIZE), mode="area")).to(dev)


def detection_loss(det, images, objects, dev, n_classes, sizes=True, point_sigma=1.0):
    """The CenterNet loss of ``det`` on a batch."""
    import torch

    from .nets import detector_loss, targets

    built = [targets(objs, n_classes, sizes, point_sigma) for objs in objects]
    heat, offset, size, centres = (torch.stack(t).to(dev) for t in zip(*built))
    return detector_loss(det(detector_input(images, dev)), heat, offset, size, centres)


def detect(det, images, dev, threshold, top_k=50):
    """Per image, [(label, score, box)] from ``det`` (boxes in 0..1)."""
    from .nets import decode

    heat, offset, size = det(detector_input(images, dev))
    return decode((heat.cpu(), offset.cpu(), size.cpu() if size is not None else None), threshold, top_k)
