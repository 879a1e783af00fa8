"""Music with known answers: chord progressions, melodies and drum patterns rendered to WAV with
numpy additive synthesis, each with its ground truth as JAMS, MIDI and Label Studio annotations;
and images of guitar-chord diagrams with their chord names.

Every note is a sum of harmonics whose weights make the timbre, under an envelope; drums are
swept sines and filtered noise. Keys, tempi, timbres and noise levels vary per item; item ``i``
of seed ``s`` is always the same. The truth is exact: it is what the renderer was told to play.
"""
import io
import wave
from pathlib import Path

import numpy as np

from ..music.harmony import ROOT_NAMES, chord_notes, fret_notes, midi_to_hz, name_chord, parse_tuning
from ..music.shapes import empty_events, results_from_events
from . import item_rng, media_url

KINDS = ("chords", "melody", "drums")
#: Harmonic weights (1st, 2nd, ...) and envelope (attack s, decay rate per s) of each timbre.
TIMBRES = {
    "organ": ((1.0, 0.6, 0.45, 0.3, 0.2, 0.12), (0.01, 0.3)),
    "pluck": ((1.0, 0.5, 0.33, 0.25, 0.2, 0.16, 0.14), (0.004, 2.5)),
    "pad": ((1.0, 0.3, 0.15, 0.08), (0.12, 0.2)),
    "reed": ((1.0, 0.05, 0.5, 0.05, 0.3, 0.05, 0.2), (0.02, 0.5)),
}
#: Chord qualities drawn for progressions: triads and sevenths, as the recognisers are measured on.
QUALITIES = ("maj", "min", "7", "min7", "maj7")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
#: Diatonic degrees and their triad quality in a major key (the 7th degree's dim is left out).
DEGREES = ((0, "maj"), (2, "min"), (4, "min"), (5, "maj"), (7, "maj"), (9, "min"))
#: General MIDI percussion notes written for drums.
KICK, SNARE, HAT = 36, 38, 42
NOTE_LABELS = ("melody", "chord", "bass", "drums")
NOISE_LEVELS = (0.0, 0.005, 0.02)
#: Common open chords for diagram images: name, frets low string first (None: muted).
GUITAR_SHAPES = (
    ((None, 3, 2, 0, 1, 0)), ((None, 0, 2, 2, 1, 0)), ((None, 0, 2, 2, 2, 0)), ((None, None, 0, 2, 3, 2)),
    ((None, None, 0, 2, 3, 1)), ((0, 2, 2, 1, 0, 0)), ((0, 2, 2, 0, 0, 0)), ((3, 2, 0, 0, 0, 3)),
    ((None, 0, 2, 0, 1, 0)), ((None, 0, 2, 0, 2, 0)), ((0, 2, 0, 1, 0, 0)), ((0, 2, 0, 0, 0, 0)),
    ((None, 3, 2, 3, 1, 0)), ((3, 2, 0, 0, 0, 1)), ((None, None, 0, 2, 1, 2)), ((1, 3, 3, 2, 1, 1)),
    ((None, 0, 2, 1, 1, 0)), ((None, 2, 4, 4, 3, 2)), ((None, 0, 2, 2, 1, 3)), ((None, None, 0, 2, 2, 1)),
)


def label_config(kind="audio"):
    """The labeling config matching what ``make_task`` writes."""
    if kind == "diagrams":
        return ('<View>\n  <Image name="diagram" value="$image"/>\n'
                '  <Fretboard name="shape" toName="diagram" tuning="standard" frets="12"/>\n</View>\n')
    labels = "".join(f'<Label value="{label}"/>' for label in NOTE_LABELS)
    return ('<View>\n  <PianoRoll name="roll" value="$audio" midi="$midi"/>\n'
            f'  <NoteLabels name="notes" toName="roll">{labels}</NoteLabels>\n'
            '  <ChordLabels name="chords" toName="roll"/>\n'
            '  <Beats name="beats" toName="roll"/>\n</View>\n')


# ---------------------------------------------------------------- scores


def chord_progression(rng, bpm, bars=None, qualities=QUALITIES):
    """Events of a progression: one chord a bar (4 beats), voiced with a bass note."""
    key = int(rng.integers(0, 12))
    beat = 60.0 / bpm
    events = empty_events()
    bars = bars or int(rng.integers(4, 9))
    octave = int(rng.integers(3, 5))
    for bar in range(bars):
        degree, triad = DEGREES[int(rng.integers(0, len(DEGREES)))]
        quality = str(rng.choice(qualities))
        if quality in ("maj", "min"):
            quality = triad if rng.random() < 0.7 else quality
        root = (key + degree) % 12
        symbol = f"{ROOT_NAMES[root]}:{quality}"
        start, end = round(bar * 4 * beat, 6), round((bar + 1) * 4 * beat, 6)
        events["chords"].append({"start": start, "end": end, "chord": symbol})
        for pitch in chord_notes(symbol, octave):
            events["notes"].append({"start": start, "end": end, "pitch": pitch, "velocity": 80, "label": "chord"})
        events["notes"].append({"start": start, "end": end, "pitch": 36 + root, "velocity": 70, "label": "bass"})
    _beats(events, bars, beat, bpm)
    events["keys"].append(f"{ROOT_NAMES[key]}:major")
    return events


def melody(rng, bpm, count=None):
    """A monophonic melody in a major key: a random walk on the scale, notes of 1/2 to 1 beat."""
    key = int(rng.integers(0, 12))
    beat = 60.0 / bpm
    events = empty_events()
    degree, t = int(rng.integers(7, 14)), 0.0
    for _ in range(count or int(rng.integers(8, 25))):
        length = beat * float(rng.choice([0.5, 1.0, 1.0, 1.5]))
        degree = int(np.clip(degree + rng.integers(-3, 4), 0, 20))
        pitch = 48 + key + 12 * (degree // 7) + MAJOR_SCALE[degree % 7]
        # Notes end a little early, as played legato-but-detached: onsets stay clear.
        events["notes"].append({"start": round(t, 6), "end": round(t + length * 0.85, 6), "pitch": int(pitch),
                                "velocity": int(rng.integers(70, 111)), "label": "melody"})
        t += length
    bars = int(np.ceil(t / (4 * beat)))
    _beats(events, bars, beat, bpm)
    events["keys"].append(f"{ROOT_NAMES[key]}:major")
    return events


def drum_pattern(rng, bpm, bars=None):
    """Kick on 1 (accented) and 3, snare on 2 and 4, hi-hat on eighths (some dropped), with beats and downbeats."""
    beat = 60.0 / bpm
    events = empty_events()
    bars = bars or int(rng.integers(4, 9))
    for bar in range(bars):
        for b in range(4):
            t = (bar * 4 + b) * beat
            drum = KICK if b % 2 == 0 else SNARE
            # The bar's first kick is accented, as drummers play it: downbeats are audible.
            velocity = 124 if b == 0 else 84 if b == 2 else 100
            events["notes"].append({"start": round(t, 6), "end": round(t + 0.1, 6), "pitch": drum,
                                    "velocity": velocity, "label": "drums"})
            for half in (0.0, 0.5):
                if half == 0.0 or rng.random() < 0.7:
                    th = t + half * beat
                    events["notes"].append({"start": round(th, 6), "end": round(th + 0.05, 6), "pitch": HAT,
                                            "velocity": 60, "label": "drums"})
    _beats(events, bars, beat, bpm)
    return events


def _beats(events, bars, beat, bpm):
    events["beats"] = [{"time": round(i * beat, 6), "position": i % 4 + 1} for i in range(bars * 4)]
    events["bpm"] = float(bpm)


# ---------------------------------------------------------------- rendering


def render(events, rate=22050, timbre="organ", noise=0.0, rng=None, tail=0.5):
    """Mono float32 samples in [-1, 1] playing ``events["notes"]``."""
    rng = rng or np.random.default_rng(0)
    end = max([n["end"] for n in events["notes"]] + [0.0]) + tail
    out = np.zeros(int(end * rate) + 1, dtype=np.float64)
    for note in events["notes"]:
        start = int(note["start"] * rate)
        if note.get("label") == "drums":
            sound = _drum(note["pitch"], rate, rng)
        else:
            sound = _tone(note["pitch"], note["end"] - note["start"], rate, timbre)
        sound = sound * (note["velocity"] / 127.0)
        stop = min(len(out), start + len(sound))
        out[start:stop] += sound[:stop - start]
    peak = np.abs(out).max() or 1.0
    out = out / peak * 0.8
    if noise:
        out += rng.normal(0, noise, len(out))
    return np.clip(out, -1, 1).astype(np.float32)


def _tone(pitch, seconds, rate, timbre):
    weights, (attack, decay) = TIMBRES[timbre]
    release = 0.03
    n = int((seconds + release) * rate)
    t = np.arange(n) / rate
    f0 = midi_to_hz(pitch)
    wave_ = np.zeros(n)
    for k, w in enumerate(weights, start=1):
        if f0 * k < rate / 2:
            wave_ += w * np.sin(2 * np.pi * f0 * k * t)
    env = np.minimum(t / attack, 1.0) * np.exp(-decay * t)
    env *= np.clip((seconds + release - t) / release, 0, 1)
    return wave_ * env / sum(weights)


def _drum(pitch, rate, rng):
    n = int(0.25 * rate)
    t = np.arange(n) / rate
    if pitch == KICK:
        freq = 50 + 100 * np.exp(-t * 30)
        return np.sin(2 * np.pi * np.cumsum(freq) / rate) * np.exp(-t * 12)
    noise = rng.normal(0, 1, n)
    if pitch == SNARE:
        return (0.6 * noise + 0.5 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 25)
    hat = np.diff(noise, prepend=0.0)  # a first difference keeps the highs: a hat, not a thud
    return 0.5 * hat * np.exp(-t * 60)


def wav_bytes(samples, rate):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())
    return buf.getvalue()


# ---------------------------------------------------------------- tasks


def score(kind, rng, bpm):
    if kind == "chords":
        return chord_progression(rng, bpm)
    if kind == "melody":
        return melody(rng, bpm)
    return drum_pattern(rng, bpm)


def make_task(seed, index, out, kinds=KINDS, rate=22050, url_prefix="", tempo=(60, 180)):
    """Render item ``index``: writes audio/NNNNNN.wav, .jams and .mid; returns its task dict."""
    from ..formats.jams_export import document
    from ..formats.midi_export import midi_bytes
    from ..labeling.config import parse_config

    rng = item_rng(seed, index)
    kind = kinds[index % len(kinds)]
    bpm = int(rng.integers(tempo[0], tempo[1] + 1))
    timbre = str(rng.choice(list(TIMBRES)))
    noise = float(rng.choice(NOISE_LEVELS))
    events = score(kind, rng, bpm)
    stem = f"audio/{index:06d}"
    samples = render(events, rate, timbre, noise, rng)
    out = Path(out)
    (out / f"{stem}.wav").write_bytes(wav_bytes(samples, rate))
    duration = round(len(samples) / rate, 3)
    people = [("synth", {"id": None}, events)]
    task = {"data": {"audio": media_url(url_prefix, f"{stem}.wav"), "midi": media_url(url_prefix, f"{stem}.mid"),
                     "duration": duration}}
    (out / f"{stem}.jams").write_text(document(task, people), encoding="utf-8")
    (out / f"{stem}.mid").write_bytes(midi_bytes(people))
    config = parse_config(label_config())
    task["annotations"] = [{"result": results_from_events(events, config), "ground_truth": True}]
    task["meta"] = {"kind": kind, "bpm": bpm, "timbre": timbre, "noise": noise, "key": (events["keys"] or [""])[0],
                    "jams": f"{stem}.jams", "rate": rate}
    return task


def make_diagram_task(seed, index, out, size=240, url_prefix=""):
    """Draw a guitar-chord diagram (one of ``GUITAR_SHAPES``, some moved up the neck as barre
    shapes): writes images/NNNNNN.png, returns its task with the shape as ground truth."""
    rng = item_rng(seed, index)
    frets = list(GUITAR_SHAPES[index % len(GUITAR_SHAPES)])
    shift = int(rng.integers(0, 4)) if index >= len(GUITAR_SHAPES) else 0
    frets = [None if f is None else f + shift for f in frets]
    tuning = parse_tuning("standard")
    notes = fret_notes(frets, tuning)
    chord = name_chord(notes)
    path = f"images/{index:06d}.png"
    draw_diagram(frets, chord, size, rng).save(Path(out) / path)
    value = {"frets": frets, "tuning": tuning, "notes": notes, "chord": chord}
    result = [{"id": f"d{index}", "from_name": "shape", "to_name": "diagram", "type": "fretboard", "value": value}]
    return {"data": {"image": media_url(url_prefix, path), "chord": chord},
            "annotations": [{"result": result, "ground_truth": True}],
            "meta": {"frets": frets, "chord": chord, "notes": notes}}


def draw_diagram(frets, chord, size, rng):
    """A chord box: strings down, frets across, dots where fingers go, x/o above muted/open strings."""
    from PIL import Image, ImageDraw

    paper = tuple(int(v) for v in rng.integers(225, 256, 3))
    img = Image.new("RGB", (size, int(size * 1.25)), paper)
    draw = ImageDraw.Draw(img)
    left, top, width = size * 0.18, size * 0.32, size * 0.64
    gap, rows = width / 5, 5
    height = gap * rows
    fretted = [f for f in frets if f]
    base = 1 if not fretted or max(fretted) <= 5 else min(fretted)
    draw.text((size * 0.5 - 4 * len(chord), size * 0.04), chord, fill=(0, 0, 0))
    for s in range(6):
        x = left + s * gap
        draw.line([(x, top), (x, top + height)], fill=(30, 30, 30), width=2)
    for r in range(rows + 1):
        y = top + r * height / rows
        draw.line([(left, y), (left + width, y)], fill=(30, 30, 30), width=5 if r == 0 and base == 1 else 2)
    if base > 1:
        draw.text((left - size * 0.14, top + height / rows * 0.3), f"{base}fr", fill=(0, 0, 0))
    for s, f in enumerate(frets):
        x = left + s * gap
        if f is None or f == 0:
            draw.text((x - 3, top - size * 0.1), "x" if f is None else "o", fill=(0, 0, 0))
        else:
            y = top + (f - base + 0.5) * height / rows
            r = gap * 0.33
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(20, 20, 20))
    return img
