"""Audio classifier: a log-mel spectrogram (computed with torch) into a small CNN.

Serves ``<Choices>`` on ``<Audio>`` / ``<AudioPlus>``. Clips are cut or padded to a fixed
length from their first loud frame, and each spectrogram is normalised by its own level,
so loudness and leading silence do not decide the class.
"""
from ..classifier import TorchClassifier
from ._audio import LogMel, read_wav

#: Frames the network sees (256-sample hops at 16 kHz: about 1 s).
FRAMES = 64
N_MELS = 96


def _block(cin, cout, pool):
    import torch.nn as nn

    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.MaxPool2d(pool))


class AudioClassifier(TorchClassifier):
    name = "audio_classifier"
    title = "Audio classifier (log-mel CNN)"
    description = "Learns sound classes from the project's own annotations; serves Choices on Audio."
    SHAPES = (("Choices", ("Audio", "AudioPlus")),)
    DEFAULT_PARAMS = {"lr": 3e-3, "epochs": 30}

    _logmel = None

    def featurize(self, task):
        import torch

        url = task["data"][self.binding.value]
        if AudioClassifier._logmel is None:
            AudioClassifier._logmel = LogMel(n_mels=N_MELS)
        spec = AudioClassifier._logmel(read_wav(self.media.read(url), f"task {task.get('id')}"))
        energy = spec.exp().sum(0)
        loud = torch.nonzero(energy > 0.05 * energy.max())
        start = int(loud[0]) if len(loud) else 0
        spec = spec[:, start:start + FRAMES]
        spec = (spec - spec.mean()) / (spec.std() + 1e-3)
        if spec.shape[1] < FRAMES:
            spec = torch.nn.functional.pad(spec, (0, FRAMES - spec.shape[1]), value=float(spec.min()))
        return spec[None]

    def network(self, n_classes):
        import torch.nn as nn

        return nn.Sequential(_block(1, 16, 2), _block(16, 32, 2), _block(32, 64, 2), _block(64, 64, (2, 1)),
                             nn.AdaptiveMaxPool2d((1, 1)), nn.Flatten(), nn.Dropout(0.2),
                             nn.Linear(64, n_classes))

    def augment(self, batch):
        """Small random time shifts; pitch is left alone since it may be what a class means."""
        import torch

        shift = int(torch.randint(-4, 5, (1,)))
        return torch.roll(batch, shift, dims=3)
