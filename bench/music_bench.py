"""The music models measured with mir_eval on synthetic audio with known answers.

    python -m bench.music_bench [--count N]     (make bench-music)

Chords: progressions of triads and sevenths (every key, four timbres, three noise levels, 60-180
BPM), scored with mir_eval's ``sevenths`` comparison, weighted by duration (the issue's floor:
0.90). Beats: drum patterns from 60 to 180 BPM, mir_eval's beat F-measure with its 70 ms window
over the whole clip (no 5 s trim: the clips are short), floor 0.90; downbeat F for information.
Notes: monophonic melodies, mir_eval's onset F-measure (50 ms), floor 0.80; onset+pitch F too.
"""
import argparse
import sys
import time

import numpy as np


def chords(count):
    import mir_eval

    from ml_backend.models.chords import recognise
    from worker.synth.music import TIMBRES, chord_progression, render

    scores = []
    for i in range(count):
        rng = np.random.default_rng([101, i])
        events = chord_progression(rng, int(rng.integers(60, 181)))
        x = render(events, 16000, list(TIMBRES)[i % len(TIMBRES)], (0.0, 0.005, 0.02)[i % 3], rng)
        est = recognise(x.astype(np.float64))
        ref_i = np.array([[c["start"], c["end"]] for c in events["chords"]])
        ref_l = [c["chord"] for c in events["chords"]]
        est_i = np.array([[s, e] for s, e, _ in est]).reshape(-1, 2)
        est_l = [c for *_, c in est]
        est_i, est_l = mir_eval.util.adjust_intervals(est_i, est_l, ref_i.min(), ref_i.max(),
                                                      mir_eval.chord.NO_CHORD, mir_eval.chord.NO_CHORD)
        merged, r, e = mir_eval.util.merge_labeled_intervals(ref_i, ref_l, est_i, est_l)
        scores.append(mir_eval.chord.weighted_accuracy(mir_eval.chord.sevenths(r, e),
                                                       mir_eval.util.intervals_to_durations(merged)))
    return {"chord accuracy (sevenths)": float(np.mean(scores)), "floor": 0.90}


def beats(count):
    import mir_eval

    from ml_backend.models.beats import track
    from worker.synth.music import drum_pattern, render

    f, down = [], []
    for i in range(count):
        rng = np.random.default_rng([102, i])
        bpm = int(round(60 + 120 * i / max(1, count - 1)))
        events = drum_pattern(rng, bpm, bars=8)
        x = render(events, 16000, "organ", (0.0, 0.005, 0.02)[i % 3], rng)
        _, est, pos = track(x.astype(np.float64))
        ref = np.array([b["time"] for b in events["beats"]])
        f.append(mir_eval.beat.f_measure(ref, np.array(est)))
        down.append(mir_eval.beat.f_measure(ref[::4], np.array([t for t, p in zip(est, pos) if p == 1])))
    return {"beat F-measure": float(np.mean(f)), "worst clip": float(np.min(f)), "floor": 0.90,
            "downbeat F-measure (info)": float(np.mean(down))}


def notes(count):
    import mir_eval

    from ml_backend.models.notes import transcribe
    from worker.music.harmony import midi_to_hz
    from worker.synth.music import TIMBRES, melody, render

    onset, full = [], []
    for i in range(count):
        rng = np.random.default_rng([103, i])
        events = melody(rng, int(rng.integers(60, 181)))
        x = render(events, 16000, list(TIMBRES)[i % len(TIMBRES)], (0.0, 0.005, 0.02)[i % 3], rng)
        est = transcribe(x.astype(np.float64))
        ri = np.array([[n["start"], n["end"]] for n in events["notes"]])
        rp = np.array([midi_to_hz(n["pitch"]) for n in events["notes"]])
        ei = np.array([[s, e] for s, e, _, _ in est]).reshape(-1, 2)
        ep = np.array([midi_to_hz(m) for _, _, m, _ in est])
        onset.append(mir_eval.transcription.onset_precision_recall_f1(ri, ei)[2])
        full.append(mir_eval.transcription.precision_recall_f1_overlap(ri, rp, ei, ep, offset_ratio=None)[2])
    return {"note onset F-measure": float(np.mean(onset)), "floor": 0.80,
            "note F-measure, onset+pitch (info)": float(np.mean(full))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="clips per model (default 40)")
    args = parser.parse_args(argv)
    failed = False
    for name, func in (("chords", chords), ("beats", beats), ("notes", notes)):
        started = time.monotonic()
        figures = func(args.count)
        main_figure = next(iter(figures.items()))
        ok = main_figure[1] >= figures["floor"]
        failed |= not ok
        extra = ", ".join(f"{k} {v:.3f}" for k, v in list(figures.items())[1:] if k != "floor")
        print(f"{name:7s} {main_figure[0]} {main_figure[1]:.3f} (floor {figures['floor']:.2f}, "
              f"{'ok' if ok else 'BELOW'}); {extra}; {args.count} clips, {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
