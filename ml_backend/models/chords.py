"""Chord recogniser: chroma features matched against chord templates, smoothed by Viterbi.

Each frame's chroma (about 0.13 s hops) is compared, by cosine, with templates of every root
and quality; a template holds each chord tone with its first harmonics (so the fifth a note's
third harmonic adds counts for, not against, the chord). Viterbi with a fixed cost for changing
chords turns frame guesses into spans, proposed as ``<ChordLabels>`` regions in Harte notation.
Quiet frames are ``N``. Measured with mir_eval in bench/music_bench.py.
"""
import numpy as np

from ._music import AUDIO_OBJECTS, MusicModel, chromagram

ROOTS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "min7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11)}
#: Harmonics per chord tone in a template, and the weight ratio from one harmonic to the next.
HARMONICS, HDECAY = 6, 0.6
#: Defaults, each overridable in extra params: cost of a chord change (in cosine units); the energy,
#: relative to the loudest frame, under which a frame is "no chord" (-40 dB); the shortest span;
#: the power applied to chroma energies (0.5: magnitudes, which matched best on the bench); and a
#: handicap for sevenths (0: none).
DEFAULTS = {"switch_cost": 0.25, "silence": 1e-4, "min_length": 0.3, "compress": 0.5, "seventh_bias": 0.0}


def templates():
    """(names, matrix (chords, 12)) of unit-norm templates."""
    names, rows = [], []
    for quality, tones in QUALITIES.items():
        for root in range(12):
            row = np.zeros(12)
            for tone in tones:
                for k in range(1, HARMONICS + 1):
                    row[(root + tone + int(round(12 * np.log2(k)))) % 12] += HDECAY ** (k - 1)
            names.append(f"{ROOTS[root]}:{quality}")
            rows.append(row / np.linalg.norm(row))
    return names, np.array(rows)


NAMES, TEMPLATES = templates()
SEVENTHS = np.array([len(QUALITIES[n.split(":")[1]]) > 3 for n in NAMES], dtype=float)


class ChordRecognizer(MusicModel):
    name = "chords"
    title = "Chord recogniser (chroma templates)"
    description = "Proposes chord spans (Harte names: triads and sevenths) on audio; no training."
    SHAPES = (("ChordLabels", AUDIO_OBJECTS),)

    def chords(self, samples):
        """[(start, end, harte)] for mono samples at 16 kHz."""
        p = {k: float(self.params.get(k, v)) for k, v in DEFAULTS.items()}
        return recognise(samples, **p)

    def analyse(self, samples):
        spans = self.chords(samples)
        result = [self.region({"start": s, "end": e, "chordlabels": [c]}) for s, e, c in spans if c != "N"]
        return result, 1.0 if result else 0.0


def recognise(samples, switch_cost=0.25, silence=1e-4, min_length=0.3, compress=0.5, seventh_bias=0.0):
    chroma, energy, times = chromagram(samples, compress=compress)
    if not len(times):
        return []
    norm = chroma / (np.linalg.norm(chroma, axis=1, keepdims=True) + 1e-9)
    scores = norm @ TEMPLATES.T - seventh_bias * SEVENTHS  # (frames, chords)
    quiet = energy < silence * energy.max()
    scores = np.concatenate([scores, np.where(quiet, 1.0, 0.0)[:, None]], axis=1)
    names = NAMES + ["N"]
    path = viterbi(scores, switch_cost)
    hop = times[1] - times[0] if len(times) > 1 else 0.128
    spans, start = [], 0
    for i in range(1, len(path) + 1):
        if i == len(path) or path[i] != path[start]:
            spans.append([round(max(0.0, times[start] - hop / 2), 3), round(times[i - 1] + hop / 2, 3),
                          names[path[start]]])
            start = i
    # Very short spans are transitions between chords: give them to the neighbour before.
    merged = []
    for span in spans:
        if merged and (span[1] - span[0] < min_length or span[2] == merged[-1][2]):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    return [tuple(s) for s in merged]


def viterbi(scores, switch_cost):
    """The state path maximising the sum of scores less ``switch_cost`` per change."""
    n, k = scores.shape
    total = scores[0].copy()
    back = np.zeros((n, k), dtype=np.int32)
    for t in range(1, n):
        best = int(total.argmax())
        stay = total
        move = total[best] - switch_cost
        back[t] = np.where(stay >= move, np.arange(k), best)
        total = np.maximum(stay, move) + scores[t]
    path = [int(total.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]
