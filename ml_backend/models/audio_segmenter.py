"""Audio segmenter: proposes regions where the sound is on, from short-time energy.

No training: it finds runs of frames louder than a threshold relative to the clip's peak,
bridges short dips, drops blips, and proposes each run as a ``<Labels>`` region in seconds
for a person to name (speaker turns, song sections, notes). Serves ``<Labels>`` on
``<Audio>`` / ``<AudioPlus>``; regions get the label in ``extra_params["label"]`` or the
config's first label.
"""
from ..base import LabelArtMLBase
from ..media import MediaError
from ._audio import RATE, read_wav

#: Analysis hop and window, in samples (10 ms / 25 ms at 16 kHz).
HOP, WIN = 160, 400
#: Defaults, each overridable in extra params.
DEFAULTS = {"threshold_db": -20.0, "min_gap": 0.06, "min_length": 0.08}


class AudioSegmenter(LabelArtMLBase):
    name = "audio_segmenter"
    title = "Audio segmenter (energy based)"
    description = "Proposes sound regions by energy; no training. Serves Labels on Audio."
    SHAPES = (("Labels", ("Audio", "AudioPlus")),)
    trainable = False

    @property
    def model_version(self):
        return f"{self.name}.v1"

    def segments(self, samples):
        """[(start_s, end_s, peak_db)] of the loud runs in ``samples``."""
        import torch

        p = {k: float(self.params.get(k, v)) for k, v in DEFAULTS.items()}
        if len(samples) < WIN:
            return []
        frames = samples.unfold(0, WIN, HOP)
        db = 10 * torch.log10(frames.pow(2).mean(1) + 1e-10)
        loud = (db > db.max() + p["threshold_db"]).tolist()
        runs, start = [], None
        for i, on in enumerate(loud + [False]):
            if on and start is None:
                start = i
            elif not on and start is not None:
                runs.append([start, i])
                start = None
        merged = []
        for run in runs:
            if merged and (run[0] - merged[-1][1]) * HOP / RATE < p["min_gap"]:
                merged[-1][1] = run[1]
            else:
                merged.append(run)
        out = []
        for a, b in merged:
            start_s, end_s = a * HOP / RATE, ((b - 1) * HOP + WIN) / RATE
            if end_s - start_s >= p["min_length"]:
                out.append((round(start_s, 3), round(end_s, 3), float(db[a:b].max())))
        return out

    def predict(self, tasks, context=None):
        label = self.params.get("label") or self.binding.labels[0]
        b = self.binding
        out = []
        for task in tasks:
            try:
                samples = read_wav(self.media.read(task["data"][b.value]), f"task {task.get('id')}")
            except (MediaError, KeyError):
                out.append({"result": [], "score": None, "model_version": self.model_version})
                continue
            length = round(len(samples) / RATE, 3)
            segs = self.segments(samples)
            result = [{"from_name": b.from_name, "to_name": b.to_name, "type": b.type, "original_length": length,
                       "value": {"start": s, "end": e, "channel": 0, b.type: [label]}} for s, e, _ in segs]
            # Few, clearly separated regions are surer than many: a rough score for ordering.
            score = round(1.0 / (1.0 + max(0, len(segs) - 1) * 0.1), 4) if segs else 0.0
            out.append({"result": result, "score": score, "model_version": self.model_version})
        return out
