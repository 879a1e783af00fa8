"""Short WAV clips of pure tones and major/minor triads, with their truth in Label Studio JSON.

Each note is a sum of harmonics under an attack/decay/sustain/release envelope, plus a little
white noise. A clip is either one sound (labelled with ``Choices``) or, with ``segments``,
several sounds separated by near-silence (each labelled with a ``Labels`` region in seconds).
"""
import math
import wave

import numpy as np

from . import item_rng, media_url, result_id

KINDS = ("tone", "major", "minor")
#: Semitones above the root of each kind's notes.
INTERVALS = {"tone": (0,), "major": (0, 4, 7), "minor": (0, 3, 7)}
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
LABEL_COLOURS = {"tone": "#f58231", "major": "#911eb4", "minor": "#42d4f4"}
#: Roots are drawn from C3 (MIDI 48) to B4 (MIDI 71).
ROOT_RANGE = (48, 72)
#: Noise level relative to the clip's peak (about -40 dB).
NOISE_LEVEL = 0.01


def midi_to_hz(midi):
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


def chord_name(kind, root_midi):
    """``A4`` for a tone, ``C`` for C major, ``Cm`` for C minor."""
    name = NOTE_NAMES[root_midi % 12]
    if kind == "tone":
        return f"{name}{root_midi // 12 - 1}"
    return name + ("m" if kind == "minor" else "")


def label_config(segments=False, audio_tag="Audio"):
    """The Label Studio labeling config matching what ``make_task`` writes."""
    if segments:
        labels = "".join(f'\n    <Label value="{k}" background="{c}"/>' for k, c in LABEL_COLOURS.items())
        return (f'<View>\n  <Labels name="segment" toName="audio">{labels}\n  </Labels>\n'
                f'  <{audio_tag} name="audio" value="$audio"/>\n</View>\n')
    choices = "".join(f'\n    <Choice value="{k}"/>' for k in KINDS)
    return (f'<View>\n  <{audio_tag} name="audio" value="$audio"/>\n'
            f'  <Choices name="kind" toName="audio" choice="single" showInline="true">{choices}\n'
            '  </Choices>\n</View>\n')


def envelope(rng, n, rate):
    """Attack / decay / sustain / release gains for ``n`` samples."""
    attack = max(1, int(rng.uniform(0.005, 0.05) * rate))
    decay = max(1, int(rng.uniform(0.03, 0.15) * rate))
    release = max(1, int(rng.uniform(0.05, 0.2) * rate))
    sustain = rng.uniform(0.5, 0.9)
    env = np.full(n, sustain)
    attack, decay = min(attack, n // 4), min(decay, n // 4)
    release = min(release, n - attack - decay)
    env[:attack] = np.linspace(0, 1, attack, endpoint=False)
    env[attack:attack + decay] = np.linspace(1, sustain, decay, endpoint=False)
    env[n - release:] = np.linspace(sustain, 0, release)
    return env


def render_sound(rng, kind, duration, rate):
    """Samples of one tone or triad and its description (root, notes, frequencies, name)."""
    root = int(rng.integers(*ROOT_RANGE))
    notes = [root + i for i in INTERVALS[kind]]
    freqs = [midi_to_hz(m) for m in notes]
    n = int(round(duration * rate))
    t = np.arange(n) / rate
    harmonics = int(rng.integers(1, 6))
    rolloff = rng.uniform(1.0, 2.0)
    out = np.zeros(n)
    for f in freqs:
        phase = rng.uniform(0, 2 * math.pi)
        for k in range(1, harmonics + 1):
            if k * f < rate / 2 * 0.9:
                out += np.sin(2 * math.pi * k * f * t + k * phase) / k ** rolloff
    out *= envelope(rng, n, rate)
    out /= max(np.abs(out).max(), 1e-9)
    info = {"kind": kind, "chord": chord_name(kind, root), "root": NOTE_NAMES[root % 12], "root_midi": root,
            "notes": notes, "frequencies": [round(f, 3) for f in freqs], "harmonics": harmonics}
    return out, info


def write_wav(path, samples, rate):
    """Write float samples in [-1, 1] as 16-bit mono PCM."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


def clip_single(rng, index, rate, min_s, max_s):
    duration = round(float(rng.uniform(min_s, max_s)), 3)
    kind = KINDS[rng.integers(len(KINDS))]
    samples, info = render_sound(rng, kind, duration, rate)
    result = [{"id": result_id(index, 0), "from_name": "kind", "to_name": "audio", "type": "choices",
               "value": {"choices": [kind]}}]
    return samples, result, {**info, "duration": duration}


def clip_segments(rng, index, rate, min_s, max_s):
    """2 to 4 sounds separated by gaps; one ``labels`` region (seconds) per sound."""
    pieces, segments, pos = [], [], 0
    for n in range(int(rng.integers(2, 5))):
        gap = int(rng.uniform(0.1, 0.3) * rate)
        pieces.append(np.zeros(gap))
        pos += gap
        length = int(rng.uniform(min_s, max_s) / 2 * rate)
        kind = KINDS[rng.integers(len(KINDS))]
        samples, info = render_sound(rng, kind, length / rate, rate)
        pieces.append(samples * rng.uniform(0.6, 1.0))
        segments.append({**info, "start": round(pos / rate, 4), "end": round((pos + length) / rate, 4)})
        pos += length
    tail = int(0.1 * rate)
    pieces.append(np.zeros(tail))
    duration = (pos + tail) / rate
    result = [{"id": result_id(index, n), "from_name": "segment", "to_name": "audio", "type": "labels",
               "original_length": duration,
               "value": {"start": s["start"], "end": s["end"], "channel": 0, "labels": [s["kind"]]}}
              for n, s in enumerate(segments)]
    return np.concatenate(pieces), result, {"duration": duration, "segments": segments}


def make_task(seed, index, out_dir, rate=16000, segments=False, min_s=1.0, max_s=2.0, url_prefix=""):
    """Render clip ``index``, save it under ``out_dir/audio`` and return its Label Studio task."""
    rng = item_rng(seed, index)
    build = clip_segments if segments else clip_single
    samples, result, meta = build(rng, index, rate, min_s, max_s)
    samples = samples * rng.uniform(0.5, 0.9) + rng.normal(0, NOISE_LEVEL, len(samples))
    name = f"audio/{index:06d}.wav"
    write_wav(out_dir / name, samples, rate)
    meta = {**meta, "sample_rate": rate, "seed": seed, "index": index}
    return {"data": {"audio": media_url(url_prefix, name)},
            "annotations": [{"result": result, "ground_truth": True}], "meta": meta}
