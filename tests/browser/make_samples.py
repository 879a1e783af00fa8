"""Regenerate the template gallery's sample media under worker/static/samples/.

    .venv/bin/python -m tests.browser.make_samples

Image and audio come from ``worker.synth`` (fixed seeds); the video is drawn on a canvas
and recorded by Chromium's MediaRecorder (VP8 + Opus WebM with a tone, so the audio
waveform of the video-timeline template has something to show): no encoder is needed.
"""
import base64
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from worker.synth import audio, images

OUT = Path(__file__).resolve().parents[2] / "worker" / "static" / "samples"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]

RECORD_JS = """async (seconds) => {
  const canvas = document.createElement('canvas'); canvas.width = 320; canvas.height = 240;
  document.body.appendChild(canvas);
  const ctx = canvas.getContext('2d');
  const audioCtx = new AudioContext();
  const osc = audioCtx.createOscillator(); const gain = audioCtx.createGain();
  const dest = audioCtx.createMediaStreamDestination();
  osc.frequency.value = 330; gain.gain.value = 0.2; osc.connect(gain); gain.connect(dest); osc.start();
  const stream = new MediaStream([...canvas.captureStream(25).getVideoTracks(), ...dest.stream.getAudioTracks()]);
  const rec = new MediaRecorder(stream, {mimeType: 'video/webm;codecs=vp8,opus', videoBitsPerSecond: 400000});
  const chunks = []; rec.ondataavailable = (e) => chunks.push(e.data);
  const t0 = performance.now();
  const draw = () => {
    const t = (performance.now() - t0) / 1000;
    ctx.fillStyle = '#20303c'; ctx.fillRect(0, 0, 320, 240);
    ctx.fillStyle = '#f4b400'; ctx.beginPath();
    ctx.arc(40 + (t / seconds) * 240, 120 + 60 * Math.sin(t * 3), 22, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = '#fff'; ctx.font = '16px sans-serif'; ctx.fillText('t = ' + t.toFixed(1) + ' s', 10, 20);
    gain.gain.value = (Math.floor(t) % 2) ? 0.0 : 0.2;
    if (t < seconds) requestAnimationFrame(draw);
  };
  rec.start(100); draw();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  rec.stop(); await new Promise((r) => rec.onstop = r);
  const buf = new Uint8Array(await new Blob(chunks, {type: 'video/webm'}).arrayBuffer());
  let s = ''; for (const b of buf) s += String.fromCharCode(b);
  return btoa(s);
}"""


def make_media():
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    try:
        (tmp / "images").mkdir()
        (tmp / "audio").mkdir()
        images.make_task(7, 0, tmp, size=320, max_shapes=4)
        Image.open(tmp / "images" / "000000.png").save(OUT / "shapes.png", optimize=True)
        audio.make_task(7, 0, tmp, rate=16000, segments=True, min_s=1.5, max_s=2.5)
        shutil.copy(tmp / "audio" / "000000.wav", OUT / "tones.wav")
    finally:
        shutil.rmtree(tmp)


def _vint(data, pos):
    """An EBML variable-length integer at ``pos``: (value with the marker bit cleared, width)."""
    first = data[pos]
    width = 8 - first.bit_length() + 1
    value = first & ((1 << (8 - width)) - 1)
    for b in data[pos + 1:pos + width]:
        value = (value << 8) | b
    return value, width


def with_duration(webm, seconds):
    """``webm`` with a Duration in its Segment Info. MediaRecorder writes none, so browsers
    report an infinite duration, and the 1.8 editor's video timeline fails ("Invalid time
    value"). Clusters follow Info, and MediaRecorder writes no SeekHead or Cues whose byte
    offsets the inserted 11 bytes would shift."""
    import struct

    segment = webm.find(bytes.fromhex("18538067"))
    info = webm.find(bytes.fromhex("1549A966"), segment)
    if segment < 0 or info < 0:
        raise ValueError("not a WebM with a Segment Info element")
    size, width = _vint(webm, info + 4)
    body = info + 4 + width
    if webm.find(bytes.fromhex("4489"), body, body + size) >= 0:
        return webm  # already has one
    duration = bytes.fromhex("4489") + b"\x88" + struct.pack(">d", seconds * 1000.0)  # TimecodeScale 1 ms
    new_size = size + len(duration)
    marker = 1 << (7 * width)
    if new_size >= marker - 1:
        raise ValueError("the Info element's size field is too narrow to grow")
    size_field = (marker | new_size).to_bytes(width, "big")
    return webm[:info + 4] + size_field + webm[body:body + size] + duration + webm[body + size:]


def make_video(seconds=4):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content("<!doctype html><body></body>")
        data = page.evaluate(RECORD_JS, seconds)
        browser.close()
    (OUT / "ball.webm").write_bytes(with_duration(base64.b64decode(data), seconds))


if __name__ == "__main__":
    make_media()
    make_video()
    for path in sorted(OUT.iterdir()):
        print(path.name, path.stat().st_size)
