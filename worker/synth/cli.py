"""``labelart synth``: generate labeled demo data (images, audio, text) with known truth."""
import sys
from pathlib import Path

import click

from . import JsonListWriter, PROGRESS_EVERY

COUNT = click.option("--count", "-n", type=click.IntRange(min=1), default=100, show_default=True,
                     help="How many tasks to make.")
SEED = click.option("--seed", type=int, default=0, show_default=True,
                    help="Random seed; the same seed gives the same files.")
URL_PREFIX = click.option("--url-prefix", default="", metavar="PREFIX",
                          help="Prefix for media paths in tasks.json (e.g. /data/upload/3/); "
                               "default: paths relative to DIR.")


@click.group("synth")
def synth():
    """Generate labeled demo data (images, audio, text, music).

    Images of shapes, audio of tones and chords, and text tasks for benchmarks.

    images and audio write Label Studio import files (media, tasks.json, label_config.xml),
    with the truth as ground-truth annotations and the generator's parameters in each
    task's "meta"; tasks writes one JSON file.
    """


def _prepare(out, sub):
    out = Path(out)
    (out / sub).mkdir(parents=True, exist_ok=True)
    return out


def _write_tasks(out, label, count, make):
    """Stream ``make(i)`` for i < count into out/tasks.json behind a progress bar."""
    with JsonListWriter(out / "tasks.json") as writer, \
            click.progressbar(range(count), label=label, file=sys.stderr) as bar:
        for index in bar:
            writer.write(make(index))


@synth.command("images")
@COUNT
@click.option("--out", "-o", "out", type=click.Path(file_okay=False), required=True,
              help="Directory to write images/, tasks.json and label_config.xml into.")
@click.option("--task", type=click.Choice(["detect", "classify"]), default="detect", show_default=True,
              help="detect: 1 to --max-shapes shapes per image with RectangleLabels boxes; "
                   "classify: one shape per image with a Choices label.")
@click.option("--size", type=click.IntRange(64, 4096), default=256, show_default=True,
              help="Image width and height in pixels.")
@click.option("--max-shapes", type=click.IntRange(1, 12), default=4, show_default=True,
              help="Most shapes in one image (detect).")
@click.option("--polygons", is_flag=True, help="Also write PolygonLabels regions (detect).")
@click.option("--keypoints", is_flag=True, help="Also write KeyPointLabels regions at shape centres (detect).")
@SEED
@URL_PREFIX
def images_cmd(count, out, task, size, max_shapes, polygons, keypoints, seed, url_prefix):
    """PNG images of coloured circles, squares and triangles on noisy backgrounds.

    \b
    Writes DIR/images/000000.png ..., DIR/tasks.json and DIR/label_config.xml.
    Boxes are exact to the pixel and in Label Studio's percent units (with
    original_width/height); shapes may overlap, and a shape partly hidden keeps
    its full box. Each task's meta names the background kind and, per shape,
    its colour, pixel box, rotation and the visible fraction.

    \b
    Example:
      labelart synth images --count 200 --out data/shapes --polygons
    """
    from .images import label_config, make_task

    if task == "classify" and (polygons or keypoints):
        raise click.UsageError("--polygons and --keypoints apply to --task detect only")
    out = _prepare(out, "images")
    (out / "label_config.xml").write_text(label_config(task, polygons, keypoints), encoding="utf-8")
    _write_tasks(out, f"Drawing {count} images", count,
                 lambda i: make_task(seed, i, out, size, task, polygons, keypoints, url_prefix, max_shapes))
    click.echo(f"Wrote {count} images, {out / 'tasks.json'} and {out / 'label_config.xml'}")


@synth.command("audio")
@COUNT
@click.option("--out", "-o", "out", type=click.Path(file_okay=False), required=True,
              help="Directory to write audio/, tasks.json and label_config.xml into.")
@click.option("--rate", type=click.IntRange(8000, 96000), default=16000, show_default=True,
              help="Sample rate in Hz.")
@click.option("--min-seconds", type=click.FloatRange(0.2, 30), default=1.0, show_default=True)
@click.option("--max-seconds", type=click.FloatRange(0.2, 30), default=2.0, show_default=True)
@click.option("--segments", is_flag=True,
              help="Several sounds per clip, each labelled with a Labels region (start/end seconds) "
                   "instead of one Choices label per clip.")
@click.option("--audio-tag", type=click.Choice(["Audio", "AudioPlus"]), default="Audio", show_default=True,
              help="Object tag used in label_config.xml.")
@SEED
@URL_PREFIX
def audio_cmd(count, out, rate, min_seconds, max_seconds, segments, audio_tag, seed, url_prefix):
    """WAV clips (16-bit mono) of pure tones and major/minor triads.

    \b
    Labels are "tone", "major" or "minor"; each task's meta names the chord
    ("A4" for a tone, "C" for C major, "Cm" for C minor), its root, MIDI notes,
    frequencies and harmonics, the duration and the sample rate. Notes have
    harmonics, an attack/decay/sustain/release envelope and a little noise.
    Writes DIR/audio/000000.wav ..., DIR/tasks.json and DIR/label_config.xml.

    \b
    Example:
      labelart synth audio --count 300 --out data/chords
      labelart synth audio --count 50 --out data/chord-regions --segments
    """
    from .audio import label_config, make_task

    if min_seconds > max_seconds:
        raise click.BadParameter("--min-seconds is larger than --max-seconds", param_hint="--min-seconds")
    out = _prepare(out, "audio")
    (out / "label_config.xml").write_text(label_config(segments, audio_tag), encoding="utf-8")
    _write_tasks(out, f"Rendering {count} clips", count,
                 lambda i: make_task(seed, i, out, rate, segments, min_seconds, max_seconds, url_prefix))
    click.echo(f"Wrote {count} clips, {out / 'tasks.json'} and {out / 'label_config.xml'}")


@synth.command("tasks")
@COUNT
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False), required=True,
              help="JSON file to write (a list of tasks).")
@click.option("--annotated", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Fraction of tasks that carry their sentiment as a ground-truth annotation.")
@click.option("--label-config", "config_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the matching label config (Text + Choices sentiment) here.")
@SEED
def tasks_cmd(count, out, annotated, config_out, seed):
    """A big JSON list of small text tasks, for import benchmarks.

    \b
    Each task is {"data": {"text": ..., "ref": N}, "meta": {"sentiment": ...}}.
    The file is written as a stream (memory stays flat for millions of tasks)
    to FILE.part and renamed when complete.

    \b
    Example:
      labelart synth tasks --count 1000000 --out bench/out/tasks-1m.json
    """
    from .text import LABEL_CONFIG, iter_tasks

    out = Path(out)
    with JsonListWriter(out) as writer, click.progressbar(
            length=count, label=f"Writing {count} tasks", file=sys.stderr) as bar:
        for task in iter_tasks(seed, count, annotated):
            writer.write(task)
            if writer.count % PROGRESS_EVERY == 0:
                bar.update(PROGRESS_EVERY)
        bar.update(writer.count % PROGRESS_EVERY)
    if config_out:
        Path(config_out).write_text(LABEL_CONFIG, encoding="utf-8")
    click.echo(f"Wrote {count} tasks to {out} ({out.stat().st_size} bytes)")


@synth.command("music")
@COUNT
@click.option("--out", "-o", "out", type=click.Path(file_okay=False), required=True,
              help="Directory to write audio/ (or images/), tasks.json and label_config.xml into.")
@click.option("--kind", "kinds", type=click.Choice(["chords", "melody", "drums", "diagrams"]), multiple=True,
              help="What to make; repeat to mix (items take turns). Default: chords, melody and drums.")
@click.option("--rate", type=click.IntRange(8000, 96000), default=22050, show_default=True,
              help="Sample rate in Hz.")
@click.option("--min-bpm", type=click.IntRange(30, 300), default=60, show_default=True)
@click.option("--max-bpm", type=click.IntRange(30, 300), default=180, show_default=True)
@SEED
@URL_PREFIX
def music_cmd(count, out, kinds, rate, min_bpm, max_bpm, seed, url_prefix):
    """Chord progressions, melodies and drum patterns as WAV, or guitar-chord diagrams as PNG.

    \b
    Audio is additive synthesis (organ, pluck, pad and reed timbres; every key;
    tempi from --min-bpm to --max-bpm; some items with noise). Each clip has its
    truth beside it as DIR/audio/NNNNNN.jams (chord, beat_position, note_midi,
    tempo, key_mode) and NNNNNN.mid, and in tasks.json as a ground-truth
    annotation for the PianoRoll/NoteLabels/ChordLabels/Beats config written to
    label_config.xml. --kind diagrams draws chord boxes labelled with a
    Fretboard shape and the chord's Harte name instead.

    \b
    Example:
      labelart synth music --count 60 --out data/music
      labelart synth music --kind diagrams --count 40 --out data/diagrams
    """
    from .music import KINDS, label_config, make_diagram_task, make_task

    if min_bpm > max_bpm:
        raise click.BadParameter("--min-bpm is larger than --max-bpm", param_hint="--min-bpm")
    kinds = tuple(kinds) or KINDS
    if "diagrams" in kinds:
        if len(kinds) > 1:
            raise click.UsageError("--kind diagrams makes images; it cannot be mixed with audio kinds")
        out = _prepare(out, "images")
        (out / "label_config.xml").write_text(label_config("diagrams"), encoding="utf-8")
        _write_tasks(out, f"Drawing {count} chord diagrams", count,
                     lambda i: make_diagram_task(seed, i, out, url_prefix=url_prefix))
    else:
        out = _prepare(out, "audio")
        (out / "label_config.xml").write_text(label_config(), encoding="utf-8")
        _write_tasks(out, f"Rendering {count} pieces", count,
                     lambda i: make_task(seed, i, out, kinds, rate, url_prefix, (min_bpm, max_bpm)))
    click.echo(f"Wrote {count} items, {out / 'tasks.json'} and {out / 'label_config.xml'}")
