"""Note transcriber for monophonic and simple polyphonic audio: onsets, then pitch by harmonic
summation over each note's stretch of sound.

Onsets are peaks of the spectral-flux envelope (10 ms frames) above a moving threshold. Between
one onset and the next, a zero-padded spectrum is scored for every MIDI pitch by the weighted sum
of its first harmonics; the best pitch is the note, and with ``max_polyphony`` above 1, its
harmonics are removed and the next best pitch is added while it keeps ``poly_ratio`` of the
first's score. A note ends where its loudness falls below a tenth of its peak, or at the next
onset. Proposes ``<NoteLabels>`` regions (start, end, pitch, velocity) on a ``<PianoRoll>``.
"""
import numpy as np

from ._audio import RATE
from ._music import MusicModel, midi_hz, onset_strength

HOP = 160
FPS = RATE / HOP
PITCHES = np.arange(36, 97)  # C2 to C7
HARMONICS = 8
#: Log-compression gain of the onset envelope (see ``onsets``).
GAIN = 1.0
#: Defaults, each overridable in extra params.
DEFAULTS = {"threshold": 0.08, "min_gap": 0.1, "max_polyphony": 1, "poly_ratio": 0.45}


class NoteTranscriber(MusicModel):
    name = "notes"
    title = "Note transcriber (onsets + harmonic pitch)"
    description = "Proposes notes (onset, offset, pitch) on a piano roll; monophonic or simple polyphony."
    SHAPES = (("NoteLabels", ("PianoRoll",)),)

    def analyse(self, samples):
        p = {k: float(self.params.get(k, v)) for k, v in DEFAULTS.items()}
        notes = transcribe(samples, p["threshold"], p["min_gap"], int(p["max_polyphony"]), p["poly_ratio"])
        labels = self.binding.labels
        label = self.params.get("label") or ("melody" if "melody" in labels else labels[0] if labels else "")
        result = [self.region({"start": s, "end": e, "pitch": m, "velocity": v, "notelabels": [label] if label else []})
                  for s, e, m, v in notes]
        return result, 1.0 if result else 0.0


def onsets(samples, threshold=0.08, min_gap=0.1):
    """Onset frames: local maxima of the flux envelope over a moving median plus ``threshold``."""
    # A low gain: log compression that lifts quiet bins would make the splatter of a note's
    # ending look like an onset.
    env = onset_strength(samples, HOP, gain=GAIN)
    # Slow attacks (pads, bowed sounds) spread one onset over several frames: smooth them into one peak.
    env = np.convolve(env, np.hanning(7) / np.hanning(7).sum(), mode="same")
    env = env / (env.max() or 1.0)
    width, gap = 5, int(min_gap * FPS)
    padded = np.pad(env, width)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * width + 1)
    local = np.median(np.lib.stride_tricks.sliding_window_view(np.pad(env, 25, mode="edge"), 51), axis=1)
    peaks = np.flatnonzero((env == windows.max(axis=1)) & (env > local + threshold))
    # A note's ending splatters across the spectrum too; a real onset is followed by more sound
    # than preceded it.
    power = np.convolve(samples ** 2, np.ones(HOP), mode="same")[::HOP]
    out = []
    for p in peaks:
        before, after = power[max(0, p - 4):p].mean() if p else 0.0, power[p:p + 4].mean()
        if after <= 1.2 * before:
            continue
        if not out or p - out[-1] >= gap:
            out.append(int(p))
    return out


def salience(segment):
    """Harmonic-sum score for each pitch in PITCHES, from one stretch of samples."""
    n_fft = 1 << int(np.ceil(np.log2(max(len(segment), 2048) * 4)))
    spec = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), n_fft))
    freqs = midi_hz(PITCHES)[:, None] * np.arange(1, HARMONICS + 1)[None, :]
    bins = np.clip(np.round(freqs * n_fft / RATE).astype(int), 0, len(spec) - 1)
    # The strongest bin within a quarter tone of each harmonic (inharmonic or mistuned sounds).
    reach = np.maximum(1, np.round(freqs * (2 ** (1 / 24) - 1) * n_fft / RATE).astype(int))
    mags = np.zeros(freqs.shape)
    for r in range(int(reach.max()) + 1):
        for sign in (-1, 1):
            idx = np.clip(bins + sign * np.minimum(r, reach), 0, len(spec) - 1)
            mags = np.maximum(mags, spec[idx])
    mags[freqs >= RATE / 2] = 0.0
    weights = 0.85 ** np.arange(HARMONICS)
    return (np.sqrt(mags) * weights).sum(axis=1), mags


def transcribe(samples, threshold=0.08, min_gap=0.1, max_polyphony=1, poly_ratio=0.45):
    """[(start s, end s, MIDI pitch, velocity)] for mono samples at 16 kHz."""
    starts = onsets(samples, threshold, min_gap)
    if not starts:
        return []
    frame_rms = np.sqrt(np.convolve(samples ** 2, np.ones(HOP) / HOP, mode="same")[::HOP] + 1e-12)
    peak_rms = frame_rms.max()
    notes = []
    bounds = starts + [len(frame_rms)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        loud = frame_rms[a:b]
        if not len(loud) or loud.max() < 0.02 * peak_rms:
            continue
        quiet = np.flatnonzero(loud < 0.1 * loud.max())
        quiet = quiet[quiet > int(np.argmax(loud))]
        end = a + (int(quiet[0]) if len(quiet) else len(loud))
        # Skip the attack's first 20 ms: its noise and clicks blur the pitch.
        lo = (a + 2) * HOP
        hi = max(lo + 512, min(end, a + int(0.5 * FPS)) * HOP)
        chosen = _pitches(samples[lo:hi], max_polyphony, poly_ratio)
        velocity = int(np.clip(round(127 * np.sqrt(loud.max() / peak_rms)), 1, 127))
        for pitch in chosen:
            notes.append((round(a / FPS, 3), round(max(end, a + 2) / FPS, 3), pitch, velocity))
    return notes


def _pitches(segment, max_polyphony, poly_ratio):
    if len(segment) < 256:
        return []
    score, _ = salience(segment)
    chosen, first = [], None
    for _ in range(max(1, max_polyphony)):
        best = int(np.argmax(score))
        if first is None:
            first = score[best]
        elif score[best] < poly_ratio * first:
            break
        pitch = int(PITCHES[best])
        chosen.append(pitch)
        # Remove the chosen note's harmonics (and sub-octave) from further choice.
        for k in range(1, HARMONICS + 1):
            for m in (pitch + 12 * np.log2(k), pitch - 12):
                score[np.abs(PITCHES - m) < 0.6] = 0.0
    return sorted(chosen)
