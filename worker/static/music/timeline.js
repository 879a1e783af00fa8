// The chords-and-beats lane: chord spans with their names, beats (downbeats heavier), a time
// selection to put a chord or a fretboard shape on, and the playhead. It follows the piano roll's
// zoom and scroll when there is one. Drag selects a span; click a chord to select it; Delete
// removes the selected chord. Taps (B: beat, V: downbeat) are added by the editor.
// readOnly (review): clicking a chord selects it and clicking elsewhere seeks; spans, deletes and
// chord changes are refused.
(function () {
  'use strict';
  const KEYW = 46, H = 64;

  class Timeline {
    // opts: {view: PianoRoll|null, onSelect(span), onChange()}
    constructor(host, opts) {
      this.opts = opts;
      this.chords = [];
      this.beats = [];
      this.bpm = null;
      this.selection = null;
      this.selected = null;
      this.readOnly = false;
      this.own = {pxPerSec: 60, scrollT: 0};
      this.canvas = LA.el('canvas', {class: 'timeline-canvas', tabindex: '0', height: H,
        'aria-label': 'Chords and beats: drag to select a span, click a chord to select it'});
      host.append(this.canvas);
      this.ctx = this.canvas.getContext('2d');
      this.canvas.addEventListener('pointerdown', (ev) => this._down(ev));
      this.canvas.addEventListener('pointermove', (ev) => this._move(ev));
      this.canvas.addEventListener('pointerup', () => this._up());
      this.canvas.addEventListener('keydown', (ev) => this._key(ev));
      new ResizeObserver(() => this.draw()).observe(this.canvas);
    }
    get view() { return this.opts.view || this.own; }
    x(t) { return KEYW + (t - this.view.scrollT) * this.view.pxPerSec; }
    t(x) { return Math.max(0, this.view.scrollT + (x - KEYW) / this.view.pxPerSec); }
    _pos(ev) { const r = this.canvas.getBoundingClientRect(); return ev.clientX - r.left; }

    chordAt(t) { return this.chords.find((c) => t >= c.start && t < c.end) || null; }
    _down(ev) {
      this.canvas.focus();
      const t = this.t(this._pos(ev)), hit = this.chordAt(t);
      this.canvas.setPointerCapture(ev.pointerId);
      this.drag = {from: t, hit};
    }
    _move(ev) {
      if (!this.drag || this.readOnly) return;
      const t = this.t(this._pos(ev));
      if (Math.abs(t - this.drag.from) * this.view.pxPerSec > 4) {
        this.drag.moved = true;
        const snap = (x) => this.opts.view ? this.opts.view.snap(x) : Math.round(x * 100) / 100;
        this.selection = {start: snap(Math.min(t, this.drag.from)), end: snap(Math.max(t, this.drag.from))};
        this.selected = null;
        this.draw();
      }
    }
    _up() {
      const d = this.drag;
      this.drag = null;
      if (!d) return;
      if (!d.moved) {
        this.selected = d.hit;
        this.selection = d.hit ? {start: d.hit.start, end: d.hit.end} : null;
        if (!d.hit) MusicAudio.seek(d.from);
      }
      if (this.opts.onSelect) this.opts.onSelect(this.selected, this.selection);
      this.draw();
    }
    _key(ev) {
      if ((ev.key === 'Delete' || ev.key === 'Backspace') && this.selected && !this.readOnly) {
        this.chords = this.chords.filter((c) => c !== this.selected);
        this.selected = null;
        ev.preventDefault();
        this.changed();
      }
    }
    // Put `chord` on the selected chord span, or a new span over the selection.
    applyChord(chord) {
      if (this.readOnly) return false;
      if (this.selected) this.selected.chord = chord;
      else if (this.selection && this.selection.end > this.selection.start) {
        this.chords = this.chords.filter((c) => c.end <= this.selection.start || c.start >= this.selection.end);
        const c = {start: this.selection.start, end: this.selection.end, chord};
        this.chords.push(c);
        this.chords.sort((a, b) => a.start - b.start);
        this.selected = c;
      } else return false;
      this.changed();
      return true;
    }
    tap(downbeat) {
      if (this.readOnly) return;
      const time = Math.round(MusicAudio.now() * 1000) / 1000;
      const prev = this.beats.filter((b) => b.time < time).pop();
      const position = downbeat ? 1 : prev && prev.position ? prev.position + 1 : 0;
      this.beats.push({time, position});
      this.beats.sort((a, b) => a.time - b.time);
      this.bpm = estimateTempo(this.beats);
      this.changed();
    }
    clearBeats() { if (this.readOnly) return; this.beats = []; this.bpm = null; this.changed(); }
    changed() { this.draw(); if (this.opts.onChange) this.opts.onChange(); }

    draw() {
      if (this._raf) return;
      this._raf = requestAnimationFrame(() => { this._raf = null; this._draw(); });
    }
    _draw() {
      const c = this.canvas, W = c.clientWidth, dpr = window.devicePixelRatio || 1;
      if (c.width !== W * dpr) { c.width = W * dpr; c.height = H * dpr; }
      const g = this.ctx;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, W, H);
      g.fillStyle = '#f7f7fa'; g.fillRect(KEYW, 0, W - KEYW, H);
      g.fillStyle = '#555'; g.font = '10px sans-serif';
      g.fillText('chords', 4, 20); g.fillText('beats', 4, 52);
      if (this.selection) {
        g.fillStyle = 'rgba(255, 196, 0, .25)';
        g.fillRect(this.x(this.selection.start), 0, (this.selection.end - this.selection.start) * this.view.pxPerSec, H);
      }
      g.font = '12px sans-serif';
      for (const ch of this.chords) {
        const x0 = this.x(ch.start), x1 = this.x(ch.end);
        if (x1 < KEYW || x0 > W) continue;
        g.fillStyle = ch === this.selected ? '#ffcf4a' : '#dfe6ff';
        g.fillRect(x0 + 1, 4, x1 - x0 - 2, 26);
        g.strokeStyle = '#7a88c0'; g.strokeRect(x0 + 1, 4, x1 - x0 - 2, 26);
        g.fillStyle = '#222'; g.fillText(ch.chord, x0 + 4, 21, Math.max(10, x1 - x0 - 8));
      }
      for (const b of this.beats) {
        const x = this.x(b.time);
        if (x < KEYW || x > W) continue;
        g.fillStyle = b.position === 1 ? '#1c2a6b' : '#6b7bb3';
        g.fillRect(x - (b.position === 1 ? 1.5 : 0.5), b.position === 1 ? 36 : 42, b.position === 1 ? 3 : 1.5, b.position === 1 ? 26 : 18);
      }
      const ph = this.x(MusicAudio.now());
      if (ph >= KEYW && ph <= W) { g.fillStyle = '#d33'; g.fillRect(ph - 1, 0, 2, H); }
      if (MusicAudio.playing) this.draw();
    }
  }

  // Beats per minute from tapped beats: the median gap of the last 16, robust to a missed tap.
  function estimateTempo(beats) {
    const t = beats.slice(-17).map((b) => b.time);
    const gaps = t.slice(1).map((x, i) => x - t[i]).filter((g) => g > 0.2 && g < 2.5).sort((a, b) => a - b);
    if (!gaps.length) return null;
    return Math.round(600 / gaps[Math.floor(gaps.length / 2)]) / 10;
  }

  window.MusicTimeline = Timeline;
  window.MusicTimeline.estimateTempo = estimateTempo;
})();
