"""Beat tracker: onset strength, a tempo from its autocorrelation, beats by dynamic programming.

The tempo is the autocorrelation peak of the onset envelope between 50 and 220 BPM, weighted
by a broad prior around 110 BPM; beats are Ellis' (2007) dynamic programme, which trades onset
strength against steady spacing. Downbeats: of the four ways to group beats in bars of 4, the one
whose first beats carry the most low-frequency onset (kick drums, bass notes). Proposes one
``<Beats>`` region with every beat, its place in the bar and the tempo.
"""
import numpy as np

from ._audio import RATE
from ._music import AUDIO_OBJECTS, MusicModel, onset_strength, stft

HOP = 160  # 10 ms frames at 16 kHz
FPS = RATE / HOP
#: The onset envelope peaks about 20 ms before the sound starts (its 64 ms windows see the attack
#: early); measured on clicks, and added back to the beat times.
LATENCY = 0.02
#: Defaults, each overridable in extra params.
DEFAULTS = {"min_bpm": 50.0, "max_bpm": 220.0, "prior_bpm": 110.0, "tightness": 100.0, "beats_per_bar": 4}


class BeatTracker(MusicModel):
    name = "beats"
    title = "Beat tracker (onset strength + tempo)"
    description = "Proposes beats, downbeats and the tempo on audio; no training."
    SHAPES = (("Beats", AUDIO_OBJECTS),)

    def analyse(self, samples):
        p = {k: float(self.params.get(k, v)) for k, v in DEFAULTS.items()}
        bpm, beats, positions = track(samples, **p)
        if not beats:
            return [], 0.0
        value = {"beats": [{"time": t, "position": pos} for t, pos in zip(beats, positions)], "bpm": bpm}
        return [self.region(value)], 1.0


def tempo(env, min_bpm=50.0, max_bpm=220.0, prior_bpm=110.0):
    """The tempo in BPM from an onset envelope."""
    env = env - env.mean()
    ac = np.correlate(env, env, mode="full")[len(env) - 1:]
    lags = np.arange(len(ac))
    lo, hi = int(FPS * 60 / max_bpm), int(FPS * 60 / min_bpm)
    if hi >= len(ac) or lo < 1:
        return prior_bpm
    bpm = 60 * FPS / np.maximum(lags[lo:hi + 1], 1)
    # A broad log-normal prior: it only settles near-ties between a tempo and its double or half.
    weight = np.exp(-0.5 * (np.log2(bpm / prior_bpm) / 1.4) ** 2)
    # A tempo's beat lag and its double both line up with the beats: add the double's evidence.
    lag2 = np.minimum(2 * lags[lo:hi + 1], len(ac) - 1)
    score = (ac[lo:hi + 1] + 0.5 * ac[lag2]) * weight
    best = lo + int(score.argmax())
    # Parabolic interpolation for a tempo between whole lags.
    if lo < best < hi:
        a, b, c = ac[best - 1], ac[best], ac[best + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) else 0.0
        return float(60 * FPS / (best + shift))
    return float(60 * FPS / best)


def dp_beats(env, bpm, tightness=100.0):
    """Beat frames by dynamic programming (Ellis 2007)."""
    period = 60 * FPS / bpm
    n = len(env)
    score = env.astype(np.float64).copy()
    back = -np.ones(n, dtype=np.int64)
    lo, hi = int(round(period / 2)), int(round(2 * period))
    offsets = np.arange(-hi, -lo + 1)
    penalty = -tightness * np.log(-offsets / period) ** 2
    for t in range(n):
        prev = t + offsets
        ok = prev >= 0
        if not ok.any():
            continue
        cand = score[prev[ok]] + penalty[ok]
        k = int(cand.argmax())
        if cand[k] > 0:
            score[t] = env[t] + cand[k]
            back[t] = prev[ok][k]
    # End on the best-scoring frame within the last period.
    tail = max(0, n - int(period) - 1)
    t = tail + int(score[tail:].argmax())
    beats = []
    while t >= 0:
        beats.append(t)
        t = back[t]
    beats = beats[::-1]
    # Drop beats the envelope does not support at the ends (silence before and after the music).
    level = 0.05 * env.max()
    while beats and env[beats[0]] < level:
        beats.pop(0)
    while beats and env[beats[-1]] < level:
        beats.pop()
    return np.array(beats, dtype=np.int64)


def track(samples, min_bpm=50.0, max_bpm=220.0, prior_bpm=110.0, tightness=100.0, beats_per_bar=4):
    """(bpm, beat times in seconds, positions in the bar) for mono samples at 16 kHz."""
    env = onset_strength(samples, HOP)
    if len(env) < FPS or env.max() <= 0:
        return 0.0, [], []
    # Loud low and middle onsets (kicks, snares, bass and chord changes) decide the metrical level;
    # hi-hats are loud above 1 kHz only.
    strong = _strong_onsets(onset_strength(samples, HOP, gain=10.0, fmax=1000.0))
    bpm, frames = _metrical_level(env, tempo(env, min_bpm, max_bpm, prior_bpm), strong, min_bpm, max_bpm,
                                  tightness)
    if len(frames) < 2:
        return round(bpm, 2), [round(f / FPS, 3) for f in frames], [1] * len(frames)
    bpm = 60.0 / float(np.median(np.diff(frames)) / FPS)
    per_bar = max(1, int(beats_per_bar))
    low = _low_onsets(samples, frames)
    phase = int(np.argmax([low[k::per_bar].sum() for k in range(per_bar)]))
    positions = [int((i - phase) % per_bar) + 1 for i in range(len(frames))]
    return round(bpm, 2), [round(f / FPS + LATENCY, 3) for f in frames], positions


def _metrical_level(env, bpm, peaks, min_bpm, max_bpm, tightness):
    """(bpm, beat frames) at the level that best matches the strong onsets: of the tempo, its half
    and its double, the grid whose beats land on strong onsets and that leaves fewest of them out.
    A kick-snare pattern repeats every two beats, and hi-hats tick twice a beat: autocorrelation
    alone cannot tell these levels apart, coverage of the loud onsets can."""
    best = None
    for candidate in (bpm, bpm / 2, bpm * 2):
        if not min_bpm <= candidate <= max_bpm:
            continue
        frames = dp_beats(env, candidate, tightness)
        f = _coverage(frames, peaks)
        # Ties (within 0.05) go to the autocorrelation's own choice, listed first.
        if best is None or f > best[0] + 0.05:
            best = (f, candidate, frames)
    return best[1], best[2]


def _strong_onsets(env, ratio=0.4):
    """Frames of local maxima of the onset envelope above ``ratio`` of its peak."""
    width = 5
    padded = np.pad(env, width)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1)
    is_peak = (env == windows.max(axis=1)) & (env >= ratio * env.max())
    return np.flatnonzero(is_peak)


def _coverage(frames, peaks, window=7):
    """F-measure between beat frames and strong-onset frames, matched within ``window`` frames."""
    if not len(frames) or not len(peaks):
        return 0.0
    hit_beats = sum(np.abs(peaks - f).min() <= window for f in frames)
    hit_peaks = sum(np.abs(frames - p).min() <= window for p in peaks)
    precision, recall = hit_beats / len(frames), hit_peaks / len(peaks)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _low_onsets(samples, frames):
    """Onset strength below 120 Hz (kick drums, bass notes) at each beat frame."""
    spec = np.log1p(100.0 * stft(samples, 1024, HOP))
    low = spec[:, : int(120 * 1024 / RATE) + 1]
    flux = np.concatenate([[0.0], np.maximum(np.diff(low, axis=0), 0).sum(axis=1)])
    return np.array([flux[max(0, f - 3): f + 4].max() for f in frames])
