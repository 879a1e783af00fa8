"""What the music models share: binding to music controls, spectra, chroma and onset strength.

Plain numpy signal processing: the models are fixed algorithms (templates, harmonic summation,
dynamic programming), nothing is downloaded or trained.
"""
import numpy as np

from .. import labeling
from ..base import LabelArtMLBase
from ..media import MediaError
from ._audio import RATE, read_wav

#: Object tags that carry audio for the music controls.
AUDIO_OBJECTS = ("PianoRoll", "Audio", "AudioPlus")


class MusicModel(LabelArtMLBase):
    """A fixed music model: it serves one music control, which may have no labels of its own
    (chords and beats are named by the model, not picked from a list)."""

    trainable = False

    def __init__(self, label_config, project="", store=None, media=None, params=None):
        self.label_config = label_config
        self.project = project
        self.store = store
        from ..media import MediaLoader

        self.media = media or MediaLoader()
        self.params = dict(params or {})
        self.binding = find(label_config, self.SHAPES)

    @classmethod
    def serves(cls, label_config):
        try:
            find(label_config, cls.SHAPES)
        except labeling.ConfigMismatch:
            return False
        return True

    @property
    def model_version(self):
        return f"{self.name}.v1"

    def region(self, value):
        b = self.binding
        return {"from_name": b.from_name, "to_name": b.to_name, "type": b.type, "value": value}

    def predict(self, tasks, context=None):
        out = []
        for task in tasks:
            try:
                samples = read_wav(self.media.read(task["data"][self.binding.value]), f"task {task.get('id')}")
            except (MediaError, KeyError):
                out.append({"result": [], "score": None, "model_version": self.model_version})
                continue
            result, score = self.analyse(samples.numpy().astype(np.float64))
            out.append({"result": result, "score": round(float(score), 4), "model_version": self.model_version})
        return out

    def analyse(self, samples):
        """(result regions, score 0..1) for mono samples at RATE."""
        raise NotImplementedError


def find(label_config, shapes):
    """The first binding of a (control, objects) pair in ``shapes``, labels or not.
    Raises ConfigMismatch naming what was looked for."""
    for binding in labeling.parse(label_config):
        for control, objects in shapes:
            if binding.control == control and binding.object in objects:
                return binding
    wanted = ", ".join(f"<{c}> on <{'/'.join(o)}>" for c, o in shapes)
    raise labeling.ConfigMismatch(f"the labeling config has none of: {wanted}")


def stft(x, n_fft, hop):
    """Magnitude spectrogram, shape (frames, n_fft // 2 + 1); frame i is centred at i * hop."""
    pad = n_fft // 2
    x = np.pad(x, (pad, pad))
    frames = 1 + max(0, (len(x) - n_fft) // hop)
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    return np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft), axis=1))


def onset_strength(x, hop=160, n_fft=1024, gain=100.0, fmax=None):
    """Spectral flux of the log-compressed spectrum (``log(1 + gain * |X|)``; a smaller gain keeps
    loud onsets louder than soft ones), half-wave rectified: one value per hop (10 ms at 16 kHz),
    scaled to a peak of 1; ``fmax`` keeps the bins below it. The first frame is compared with the quietest level of each bin (the
    noise floor), so a piece starting on a note has its first onset."""
    spec = np.log1p(gain * stft(x, n_fft, hop))
    if fmax:
        spec = spec[:, : int(fmax * n_fft / RATE) + 1]
    flux = np.maximum(np.diff(spec, axis=0, prepend=spec.min(axis=0, keepdims=True)), 0.0).sum(axis=1)
    # The first frame jumps from the floor, not from other sound: never let it outweigh the rest.
    if len(flux) > 1:
        flux[0] = min(flux[0], flux[1:].max())
    return flux / (flux.max() or 1.0)


def midi_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=np.float64) - 69.0) / 12.0)


def chromagram(x, n_fft=8192, hop=2048, fmin=55.0, fmax=2000.0, compress=1.0):
    """Chroma (frames, 12): energy per pitch class, each frame raised to ``compress`` (1: energy,
    0.5: magnitude); frame energies (before compression) and the frame times in seconds."""
    spec = stft(x, n_fft, hop)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / RATE)
    keep = (freqs >= fmin) & (freqs <= fmax)
    pcs = np.round(12 * np.log2(freqs[keep] / 440.0) + 69).astype(int) % 12
    chroma = np.zeros((spec.shape[0], 12))
    for pc in range(12):
        chroma[:, pc] = (spec[:, keep][:, pcs == pc] ** 2).sum(axis=1)
    energy = chroma.sum(axis=1)
    return chroma ** compress, energy, np.arange(spec.shape[0]) * hop / RATE
