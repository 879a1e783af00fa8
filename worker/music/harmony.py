"""Pitches, Harte chord symbols and guitar tunings.

Chord symbols follow Harte et al. (2005), the syntax of JAMS' ``chord`` namespace and of
``mir_eval``: ``root:quality(extensions)/bass`` such as ``A:min7``, ``C:maj/3``, ``G:7(*5)``,
``N`` for no chord. The browser names chords with the same tables (static/music/harmony.js);
tests/music/test_harmony.py holds both to the same answers.
"""
import re

SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Spelling of roots when naming chords: the usual guitarist's choice (Eb, not D#).
ROOT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

#: Harte shorthands and their intervals in semitones above the root. Order matters: when two
#: readings fit equally well, the earlier (simpler) one is chosen.
QUALITIES = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "min7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11),
    "dim": (0, 3, 6), "aug": (0, 4, 8), "sus4": (0, 5, 7), "sus2": (0, 2, 7), "hdim7": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9), "minmaj7": (0, 3, 7, 11), "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 2), "maj9": (0, 4, 7, 11, 2), "min9": (0, 3, 7, 10, 2), "5": (0, 7), "1": (0,),
    "aug7": (0, 4, 8, 10), "11": (0, 4, 7, 10, 2, 5), "min11": (0, 3, 7, 10, 2, 5),
    "13": (0, 4, 7, 10, 2, 9), "maj13": (0, 4, 7, 11, 2, 9), "min13": (0, 3, 7, 10, 2, 9),
    "maj11": (0, 4, 7, 11, 2, 5),
}
#: Qualities the fretboard and recognisers pick from (the longer ones are accepted on input).
NAMING_QUALITIES = ("maj", "min", "7", "min7", "maj7", "dim", "aug", "sus4", "sus2", "hdim7", "dim7",
                    "minmaj7", "maj6", "min6", "9", "maj9", "min9", "5")
#: Harte degree names by semitone, as chord tones (below the octave) and as added tones.
DEGREES = {0: "1", 1: "b2", 2: "2", 3: "b3", 4: "3", 5: "4", 6: "b5", 7: "5", 8: "#5", 9: "6", 10: "b7", 11: "7"}
ADDED = {1: "b9", 2: "9", 3: "#9", 5: "11", 6: "#11", 8: "b13", 9: "13"}
_DEGREE_SEMITONES = {"1": 0, "2": 2, "3": 4, "4": 5, "5": 7, "6": 9, "7": 11, "9": 2, "11": 5, "13": 9,
                     "8": 0, "10": 4, "12": 7}
_HARTE = re.compile(r"^(?P<root>[A-G](?:b*|#*))(?::(?P<quality>[a-z0-9]*)?(?:\((?P<ext>[^)]*)\))?)?"
                    r"(?:/(?P<bass>(?:b*|#*)\d{1,2}))?$")

#: Named tunings (low string first), usable as ``tuning="drop-d"`` on ``<Fretboard>``.
TUNINGS = {
    "standard": "E2 A2 D3 G3 B3 E4", "drop-d": "D2 A2 D3 G3 B3 E4", "open-g": "D2 G2 D3 G3 B3 D4",
    "open-d": "D2 A2 D3 F#3 A3 D4", "dadgad": "D2 A2 D3 G3 A3 D4", "half-step-down": "Eb2 Ab2 Db3 Gb3 Bb3 Eb4",
    "bass": "E1 A1 D2 G2", "bass-5": "B0 E1 A1 D2 G2", "ukulele": "G4 C4 E4 A4", "seven-string": "B1 E2 A2 D3 G3 B3 E4",
}
_NOTE = re.compile(r"^([A-Ga-g])(#{1,2}|b{1,2})?(-?\d)$")


class MusicError(ValueError):
    """A chord symbol, note name or tuning that cannot be read; the message names it."""


def note_to_midi(name):
    """``"E2"`` -> 40, ``"F#3"`` -> 54, ``"Bb-1"`` -> 10. Raises MusicError."""
    match = _NOTE.match(str(name).strip())
    if not match:
        raise MusicError(f"{name!r} is not a note name like E2, F#3 or Bb1")
    letter, acc, octave = match.groups()
    midi = 12 * (int(octave) + 1) + _LETTER_PC[letter.upper()] + _accidental(acc or "")
    if not 0 <= midi <= 127:
        raise MusicError(f"{name!r} is outside the MIDI range 0-127")
    return midi


def midi_to_name(midi):
    """60 -> ``"C4"``."""
    midi = int(midi)
    return f"{SHARP_NAMES[midi % 12]}{midi // 12 - 1}"


def midi_to_hz(midi):
    return 440.0 * 2.0 ** ((float(midi) - 69.0) / 12.0)


def _accidental(text):
    return text.count("#") - text.count("b")


def parse_tuning(tuning):
    """MIDI numbers of the open strings, low string first, from a name in ``TUNINGS`` or note names
    separated by spaces or commas. Raises MusicError."""
    text = TUNINGS.get(str(tuning or "standard").strip().lower(), tuning)
    notes = [n for n in re.split(r"[\s,]+", str(text).strip()) if n]
    if not 1 <= len(notes) <= 12:
        raise MusicError(f"tuning {tuning!r} needs 1 to 12 strings, e.g. \"E2 A2 D3 G3 B3 E4\"")
    return [note_to_midi(n) for n in notes]


def fret_notes(frets, tuning="standard"):
    """MIDI notes of a fretted shape: ``frets`` has one entry per string (low first), a fret number
    or None for a muted string. Raises MusicError when the shape and tuning disagree."""
    strings = parse_tuning(tuning) if not isinstance(tuning, (list, tuple)) else list(tuning)
    if len(frets) != len(strings):
        raise MusicError(f"the shape has {len(frets)} strings but the tuning has {len(strings)}")
    notes = []
    for open_note, fret in zip(strings, frets):
        if fret is None:
            continue
        if isinstance(fret, bool) or not isinstance(fret, int) or not 0 <= fret <= 36:
            raise MusicError(f"fret {fret!r} must be a whole number from 0 to 36, or null for a muted string")
        notes.append(open_note + fret)
    return notes


def chord_pitch_classes(symbol):
    """(root pitch class, set of pitch classes, bass pitch class) of a Harte symbol, or None for
    ``N``/``X``. Raises MusicError naming the symbol."""
    symbol = str(symbol).strip()
    if symbol in ("N", "X"):
        return None
    match = _HARTE.match(symbol)
    if not match:
        raise MusicError(f"{symbol!r} is not a Harte chord symbol like C:maj, A:min7 or G:7/3")
    root = (_LETTER_PC[match["root"][0]] + _accidental(match["root"][1:])) % 12
    quality, ext = match["quality"], match["ext"]
    if quality and quality not in QUALITIES:
        raise MusicError(f"{symbol!r}: unknown chord quality {quality!r} (known: {', '.join(QUALITIES)})")
    if quality:
        intervals = set(QUALITIES[quality])
    else:  # "C" alone is a major triad; "C:(1,3)" lists its tones explicitly
        intervals = set(QUALITIES["maj"]) if ext is None else {0}
    for item in filter(None, (e.strip() for e in (ext or "").split(","))):
        omit = item.startswith("*")
        semis = _degree(item.lstrip("*"), symbol)
        (intervals.discard if omit else intervals.add)(semis)
    bass = root
    if match["bass"]:
        bass = (root + _degree(match["bass"], symbol)) % 12
    return root, {(root + i) % 12 for i in intervals}, bass


def _degree(text, symbol):
    match = re.match(r"^(b*|#*)(\d{1,2})$", text)
    if not match or match[2] not in _DEGREE_SEMITONES:
        raise MusicError(f"{symbol!r}: {text!r} is not a scale degree (1-13 with b or #)")
    return (_DEGREE_SEMITONES[match[2]] + _accidental(match[1])) % 12


def name_chord(notes):
    """The Harte symbol for a set of MIDI notes: ``[45, 52, 57, 60, 64]`` -> ``"A:min"``; the lowest
    note is the bass (``/3`` for a first inversion). ``N`` for no notes."""
    notes = sorted(int(n) for n in notes)
    if not notes:
        return "N"
    pcs = {n % 12 for n in notes}
    bass = notes[0] % 12
    best = None
    for root in sorted(pcs, key=lambda r: (r != bass, r)):
        rel = {(p - root) % 12 for p in pcs}
        for rank, quality in enumerate(NAMING_QUALITIES):
            tones = set(QUALITIES[quality])
            missing, extra = tones - rel, rel - tones
            # A missing fifth is common and harmless (guitar voicings drop it); a missing third
            # changes the chord, so it costs more. Extra tones are named as additions.
            cost = sum(0.6 if m == 7 else 3 for m in missing) + sum(1 for e in extra if e in ADDED) \
                + sum(3 for e in extra if e not in ADDED)
            key = (cost, root != bass, rank)
            if best is None or key < best[0]:
                best = (key, root, quality, missing, extra)
    _, root, quality, missing, extra = best
    parts = [ADDED.get(e, DEGREES[e]) for e in sorted(extra)] + ["*" + DEGREES[m] for m in sorted(missing)]
    symbol = f"{ROOT_NAMES[root]}:{quality}" + (f"({','.join(parts)})" if parts else "")
    if bass != root:
        symbol += "/" + DEGREES[(bass - root) % 12]
    return symbol


def chord_notes(symbol, octave=3):
    """MIDI notes voicing a Harte symbol (bass first, then the rest upwards), for playback and
    synthesis; [] for ``N``."""
    parsed = chord_pitch_classes(symbol)
    if parsed is None:
        return []
    root, pcs, bass = parsed
    base = 12 * (octave + 1) + bass
    upper = sorted(((p - bass) % 12) + base for p in pcs if p != bass)
    return [base] + upper


def root_name(symbol):
    """The root of a Harte symbol as written (``"A"`` of ``"A:min7"``), or ``"N"``."""
    return str(symbol).split(":")[0].split("/")[0]
