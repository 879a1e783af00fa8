"""The SDK: one base class a model subclasses (``setup`` / ``predict`` / ``fit``).

A model is created per project with the project's labeling config; it reads and writes its
versions through a ``ModelStore`` and its media through a ``MediaLoader``. The same class
runs behind the HTTP server (``ml_backend.server``) and in-process in Label.Art's workers.
"""
import logging
import math
import os

from . import labeling
from .media import MediaLoader

log = logging.getLogger(__name__)

#: How a prediction's ``score`` is computed from class probabilities. Higher means surer;
#: the labeling stream serves the lowest score first, so every method orders "least sure" first.
UNCERTAINTY_METHODS = ("least_confidence", "margin", "entropy")


def confidence(probs, method="least_confidence"):
    """A 0..1 score for a probability vector: the top probability, the margin between the two
    best, or one minus the normalised entropy. Raises ValueError for an unknown method."""
    probs = [float(p) for p in probs]
    if method == "least_confidence":
        return max(probs)
    if method == "margin":
        top = sorted(probs, reverse=True) + [0.0]
        return top[0] - top[1]
    if method == "entropy":
        if len(probs) < 2:
            return 1.0
        h = -sum(p * math.log(p) for p in probs if p > 0)
        return 1.0 - h / math.log(len(probs))
    raise ValueError(f"uncertainty must be one of {', '.join(UNCERTAINTY_METHODS)}, not {method!r}")


def device():
    """The GPU when there is one (set LABEL_ART_ML_DEVICE to override), else the CPU."""
    import torch

    wanted = os.environ.get("LABEL_ART_ML_DEVICE")
    if wanted:
        return torch.device(wanted)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class LabelArtMLBase:
    """Subclass this: set ``name``, ``title``, ``SHAPES`` and implement ``predict`` (and ``fit``
    for models that learn).

    ``SHAPES`` lists the (control tag, object tags) pairs the model serves; the platform offers
    a model only for projects whose config has one of them.
    """

    name = ""
    title = ""
    description = ""
    SHAPES = ()
    #: Whether ``fit`` learns anything (a segmenter needs no training).
    trainable = True
    #: Tasks per predict batch when Label.Art runs this model in its own workers (None: the
    #: platform's default, 200). Each batch is one RQ job, which pays a work horse's fork, the
    #: torch import and the model load; models whose batch stays small in memory take more.
    PREDICT_BATCH = None

    def __init__(self, label_config, project="", store=None, media=None, params=None):
        """Raises ``labeling.ConfigMismatch`` when the config has nothing this model serves."""
        self.label_config = label_config
        self.project = project
        self.store = store
        self.media = media or MediaLoader()
        self.params = dict(params or {})
        self.binding = labeling.find(label_config, self.SHAPES)

    @classmethod
    def serves(cls, label_config):
        """True when ``label_config`` has a control/object pair this model handles."""
        try:
            labeling.find(label_config, cls.SHAPES)
        except labeling.ConfigMismatch:
            return False
        return True

    @classmethod
    def describe(cls):
        return {"name": cls.name, "title": cls.title, "description": cls.description,
                "trainable": cls.trainable,
                "serves": [{"control": c, "objects": list(o)} for c, o in cls.SHAPES]}

    # ------------------------------------------------------------ the protocol

    @property
    def model_version(self):
        """``<name>.v<N>`` for the newest stored version, ``<name>.initial`` before any."""
        latest = self.store.latest() if self.store is not None else None
        return f"{self.name}.v{latest}" if latest else f"{self.name}.initial"

    def setup(self):
        """Prepare for the project (load the newest version); return the model version."""
        return self.model_version

    def predict(self, tasks, context=None):
        """One prediction ``{"result": [...], "score": float, "model_version": str}`` per task,
        in order (an empty result where the model has nothing to say)."""
        raise NotImplementedError

    def fit(self, event, data):
        """Learn from ``data`` (``{"tasks": [task with "annotations"], ...}``) on ``event``
        (``START_TRAINING``, ``ANNOTATION_CREATED``...); return metrics (a dict)."""
        return {"status": "skipped", "reason": f"{self.name} does not train"}

    # ------------------------------------------------------------ helpers for subclasses

    def uncertainty(self):
        method = self.params.get("uncertainty") or "least_confidence"
        confidence([1.0], method)  # validate early: a typo should not surface mid-batch
        return method

    def choice_region(self, label, score):
        b = self.binding
        return {"from_name": b.from_name, "to_name": b.to_name, "type": b.type,
                "value": {b.type: [label]}, "score": score}

    def label_of(self, annotation):
        """The one label an annotation gives this model's control, or None."""
        if annotation.get("was_cancelled"):
            return None
        for region in annotation.get("result") or []:
            if region.get("from_name") != self.binding.from_name:
                continue
            values = (region.get("value") or {}).get(self.binding.type) or []
            if len(values) == 1 and values[0] in self.binding.labels:
                return values[0]
        return None

    def examples(self, data):
        """[(task, label)] from ``data["tasks"]``: the newest usable annotation per task."""
        out = []
        for task in data.get("tasks") or []:
            anns = sorted(task.get("annotations") or [], key=lambda a: (bool(a.get("ground_truth")),
                                                                       a.get("id") or 0))
            for ann in reversed(anns):
                label = self.label_of(ann)
                if label is not None:
                    out.append((task, label))
                    break
        return out
