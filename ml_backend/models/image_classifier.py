"""Image classifier: a small CNN over images resized to 64x64, trained from scratch.

Serves ``<Choices>`` on ``<Image>``. By default the network sees a figure/ground map: how far
each pixel's colour is from the image's dominant (median) colour, normalised per image. Classes
are then learnt from shapes rather than from backgrounds or the colours a figure happens to have
(on the synthetic shapes this takes 200 labels from ~70% to ~100% held-out accuracy). Set
``"input": "rgb"`` in the backend's extra params for classes that are about colour.
"""
import io

from ..classifier import TorchClassifier
from ..media import MediaError

#: Side of the square the network sees.
SIZE = 64


def _block(cin, cout):
    import torch.nn as nn

    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.MaxPool2d(2))


class ImageClassifier(TorchClassifier):
    name = "image_classifier"
    title = "Image classifier (small CNN)"
    description = "Learns image classes from the project's own annotations; serves Choices on Image."
    SHAPES = (("Choices", ("Image",)),)
    DEFAULT_PARAMS = {"lr": 1e-2, "epochs": 30}

    def featurize(self, task):
        import numpy as np
        import torch
        from PIL import Image, UnidentifiedImageError

        raw = self.media.read(task["data"][self.binding.value])
        try:
            img = Image.open(io.BytesIO(raw)).convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)
        except (UnidentifiedImageError, OSError) as exc:
            raise MediaError(f"task {task.get('id')}: not an image Pillow can read") from exc
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
        if self._channels() == 3:
            return (x - x.mean(dim=(1, 2), keepdim=True)) / (x.std() + 1e-3)
        dominant = x.reshape(3, -1).median(dim=1).values[:, None, None]
        fg = (x - dominant).abs().amax(0, keepdim=True)
        return (fg - fg.mean()) / (fg.std() + 1e-3)

    def _channels(self):
        return 3 if self.params.get("input") == "rgb" else 1

    def network(self, n_classes):
        import torch.nn as nn

        return nn.Sequential(_block(self._channels(), 16), _block(16, 32), _block(32, 64), _block(64, 64),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(64, n_classes))

    def augment(self, batch):
        """Random flips and quarter turns: the classes of a picture rarely depend on them
        (set ``"augment": false`` in the backend's extra params when they do)."""
        import torch

        if not self.params.get("augment", True):
            return batch
        out = batch.clone()
        for i in range(len(out)):
            k = int(torch.randint(4, (1,)))
            img = torch.rot90(out[i], k, dims=(1, 2))
            if torch.rand(1).item() < 0.5:
                img = img.flip(2)
            out[i] = img
        return out
