// The piano roll: notes as bars over a time grid, with the audio's waveform above and its
// spectrogram (on the same pitch rows) behind. Canvas drawing of only what is in view keeps a
// 5-minute piece with thousands of notes smooth; the DOM holds no element per note.
// Mouse: drag on empty grid draws a note, drag a note moves it, drag its right edge resizes it,
// click the ruler/waveform to move the playhead. Keys (roll focused): Delete removes the selected
// note, arrows move it (Shift+Left/Right resize), +/- zoom, G toggles snapping to the beat grid.
// readOnly (review): clicks select a note and move the playhead, zoom and scroll work; nothing changes.
(function () {
  'use strict';
  const KEYW = 46, RULER = 18, WAVE = 54, TOP = RULER + WAVE, LO = 21, HI = 108, EDGE = 6;
  const BLACK = new Set([1, 3, 6, 8, 10]);
  let nextId = 1;

  class PianoRoll {
    // opts: {labels: [{name, color}], currentLabel(), beats() -> [{time, position}], onChange(), duration}
    constructor(host, opts) {
      this.opts = opts;
      this.notes = [];
      this.selected = null;
      this.pxPerSec = 80;
      this.rowH = 11;
      this.scrollT = 0;
      this.topPitch = 84;
      this.snapOn = true;
      this.division = 4;
      this.showSpec = true;
      this.peaks = null;
      this.spec = null;
      this.specCanvas = null;
      this.recording = new Map();
      this.readOnly = false;
      this.wrap = LA.el('div', {class: 'pianoroll'});
      this.canvas = LA.el('canvas', {class: 'pianoroll-canvas', tabindex: '0', 'aria-label':
        'Piano roll: drag to draw notes, drag a note to move it, its right edge to resize; Delete removes'});
      this.wrap.append(this.canvas);
      host.append(this.wrap);
      this.ctx = this.canvas.getContext('2d');
      this._bind();
      this.resize();
      new ResizeObserver(() => this.resize()).observe(this.wrap);
    }

    // ------------------------------------------------------------ geometry
    get gridW() { return this.canvas.clientWidth - KEYW; }
    get gridH() { return this.canvas.clientHeight - TOP; }
    x(t) { return KEYW + (t - this.scrollT) * this.pxPerSec; }
    t(x) { return this.scrollT + (x - KEYW) / this.pxPerSec; }
    y(p) { return TOP + (this.topPitch - p) * this.rowH; }
    pitchAt(y) { return this.topPitch - Math.floor((y - TOP) / this.rowH); }
    get duration() {
      const last = this.notes.reduce((m, n) => Math.max(m, n.end), 0);
      return Math.max(this.opts.duration || 0, MusicAudio.duration, last, 4);
    }

    resize() {
      const dpr = window.devicePixelRatio || 1, w = this.wrap.clientWidth, h = this.wrap.clientHeight;
      this.canvas.width = Math.max(1, w * dpr);
      this.canvas.height = Math.max(1, h * dpr);
      this.canvas.style.width = w + 'px';
      this.canvas.style.height = h + 'px';
      this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      this.draw();
    }

    // ------------------------------------------------------------ data
    setNotes(notes) {
      this.notes = notes.map((n) => Object.assign({id: nextId++, velocity: 100, label: ''}, n));
      this.selected = null;
      if (this.notes.length) {
        const mid = Math.round(this.notes.reduce((s, n) => s + n.pitch, 0) / this.notes.length);
        this.topPitch = Math.min(HI, mid + Math.floor(this.gridH / this.rowH / 2));
      }
      this.draw();
    }
    setAudio() {
      this.peaks = MusicAudio.peaks(200);
      this.spec = MusicAudio.spectrogram(LO, HI, 40, (s) => { this._specImage(s); this.draw(); });
      this.draw();
    }
    changed() { this.draw(); if (this.opts.onChange) this.opts.onChange(); }

    snap(t) {
      if (!this.snapOn) return Math.round(t * 100) / 100;
      const beats = (this.opts.beats() || []).map((b) => b.time);
      if (beats.length < 2) return Math.round(t * 100) / 100;
      let i = 0, j = beats.length - 1;
      while (j - i > 1) { const m = (i + j) >> 1; if (beats[m] <= t) i = m; else j = m; }
      const a = beats[i], b = beats[j] > a ? beats[j] : a + 0.5, step = (b - a) / this.division;
      const k = Math.round((t - a) / step);
      return Math.max(0, Math.round((a + k * step) * 1000) / 1000);
    }
    step(t) {
      const beats = (this.opts.beats() || []).map((b) => b.time);
      if (!this.snapOn || beats.length < 2) return 0.1;
      let i = beats.findIndex((b) => b > t);
      if (i <= 0) i = 1;
      return (beats[i] - beats[i - 1]) / this.division;
    }

    hit(px, py) {
      const p = this.pitchAt(py);
      for (let i = this.notes.length - 1; i >= 0; i--) {
        const n = this.notes[i];
        if (n.pitch !== p) continue;
        const x0 = this.x(n.start), x1 = this.x(n.end);
        if (px >= x0 && px <= x1 + 2) return {note: n, edge: px >= x1 - EDGE};
      }
      return null;
    }

    // ------------------------------------------------------------ input
    _bind() {
      const c = this.canvas;
      c.addEventListener('pointerdown', (ev) => this._down(ev));
      c.addEventListener('pointermove', (ev) => this._move(ev));
      c.addEventListener('pointerup', (ev) => this._up(ev));
      c.addEventListener('wheel', (ev) => this._wheel(ev), {passive: false});
      c.addEventListener('keydown', (ev) => this._key(ev));
    }
    _pos(ev) { const r = this.canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; }

    _down(ev) {
      const [px, py] = this._pos(ev);
      this.canvas.focus();
      if (py < TOP && px > KEYW) { MusicAudio.seek(Math.max(0, this.t(px))); return; }
      if (px < KEYW) { MusicAudio.voice(this.pitchAt(py), MusicAudio.context().currentTime, 0.3, 90); return; }
      const hit = this.hit(px, py);
      if (this.readOnly) { this.selected = hit ? hit.note : null; this.draw(); return; }
      this.canvas.setPointerCapture(ev.pointerId);
      if (hit) {
        this.selected = hit.note;
        this.drag = hit.edge ? {mode: 'resize', note: hit.note} :
          {mode: 'move', note: hit.note, dt: this.t(px) - hit.note.start, len: hit.note.end - hit.note.start};
      } else {
        const start = this.snap(this.t(px)), pitch = this.pitchAt(py);
        const note = {id: nextId++, start, end: start + this.step(start), pitch, velocity: 100, label: this.opts.currentLabel()};
        this.notes.push(note);
        this.selected = note;
        this.drag = {mode: 'resize', note, created: true};
      }
      this.draw();
    }
    _move(ev) {
      const [px, py] = this._pos(ev);
      if (!this.drag) {
        const hit = px > KEYW && py > TOP ? this.hit(px, py) : null;
        this.canvas.style.cursor = py < TOP ? 'pointer' : this.readOnly ? 'default' :
          hit ? (hit.edge ? 'ew-resize' : 'move') : 'crosshair';
        return;
      }
      const d = this.drag, n = d.note;
      if (d.mode === 'resize') {
        const end = this.snap(this.t(px));
        n.end = Math.max(n.start + 0.02, end > n.start ? end : n.start + this.step(n.start));
      } else {
        const start = Math.max(0, this.snap(this.t(px) - d.dt));
        n.start = start; n.end = start + d.len;
        n.pitch = Math.max(LO, Math.min(HI, this.pitchAt(py)));
      }
      d.moved = true;
      this.draw();
    }
    _up() {
      if (!this.drag) return;
      const d = this.drag;
      this.drag = null;
      if (d.created || d.moved) {
        d.note.start = Math.round(d.note.start * 1000) / 1000;
        d.note.end = Math.round(d.note.end * 1000) / 1000;
        MusicAudio.voice(d.note.pitch, MusicAudio.context().currentTime, 0.25, d.note.velocity);
        this.changed();
      }
    }
    _wheel(ev) {
      ev.preventDefault();
      if (ev.ctrlKey || ev.metaKey) {
        const [px] = this._pos(ev), t = this.t(px);
        this.zoom(ev.deltaY < 0 ? 1.25 : 0.8, t, px);
      } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        this.scrollT = Math.max(0, this.scrollT + (ev.deltaX || ev.deltaY) / this.pxPerSec);
      } else {
        this.topPitch = Math.max(LO + 12, Math.min(HI, this.topPitch - Math.sign(ev.deltaY) * 3));
      }
      this.draw();
    }
    zoom(factor, t, px) {
      t = t === undefined ? this.t(KEYW + this.gridW / 2) : t;
      px = px === undefined ? KEYW + this.gridW / 2 : px;
      this.pxPerSec = Math.max(4, Math.min(2000, this.pxPerSec * factor));
      this.scrollT = Math.max(0, t - (px - KEYW) / this.pxPerSec);
      this.draw();
    }
    _key(ev) {
      const n = this.selected;
      if (ev.key === '+' || ev.key === '=') { this.zoom(1.25); ev.preventDefault(); return; }
      if (ev.key === '-') { this.zoom(0.8); ev.preventDefault(); return; }
      if (ev.key === 'g' && !ev.ctrlKey) { this.snapOn = !this.snapOn; this.draw(); return; }
      if (!n || this.readOnly) return;
      const step = this.step(n.start);
      let handled = true;
      if (ev.key === 'Delete' || ev.key === 'Backspace') { this.notes = this.notes.filter((x) => x !== n); this.selected = null; }
      else if (ev.key === 'ArrowUp') n.pitch = Math.min(HI, n.pitch + (ev.shiftKey ? 12 : 1));
      else if (ev.key === 'ArrowDown') n.pitch = Math.max(LO, n.pitch - (ev.shiftKey ? 12 : 1));
      else if (ev.key === 'ArrowRight' && ev.shiftKey) n.end = +(n.end + step).toFixed(3);
      else if (ev.key === 'ArrowLeft' && ev.shiftKey) n.end = +Math.max(n.start + 0.02, n.end - step).toFixed(3);
      else if (ev.key === 'ArrowRight') { n.start = +(n.start + step).toFixed(3); n.end = +(n.end + step).toFixed(3); }
      else if (ev.key === 'ArrowLeft' && n.start >= step) { n.start = +(n.start - step).toFixed(3); n.end = +(n.end - step).toFixed(3); }
      else handled = false;
      if (handled) { ev.preventDefault(); ev.stopPropagation(); this.changed(); }
    }

    // MIDI keyboard recording: notes played while the audio plays become notes at the playhead.
    recordOn(pitch, velocity) {
      if (this.readOnly) return;
      const start = Math.round(MusicAudio.now() * 1000) / 1000;
      const note = {id: nextId++, start, end: start + 0.05, pitch, velocity: velocity || 100, label: this.opts.currentLabel()};
      this.notes.push(note);
      this.recording.set(pitch, note);
      this.draw();
    }
    recordOff(pitch) {
      const note = this.recording.get(pitch);
      if (!note) return;
      this.recording.delete(pitch);
      note.end = Math.max(note.start + 0.02, Math.round(MusicAudio.now() * 1000) / 1000);
      this.changed();
    }

    // ------------------------------------------------------------ drawing
    _specImage(spec) {
      const rows = spec.hi - spec.lo + 1;
      if (!this.specCanvas) {
        this.specCanvas = document.createElement('canvas');
        this.specCanvas.width = spec.frames;
        this.specCanvas.height = rows;
        this.specImg = this.specCanvas.getContext('2d').createImageData(spec.frames, rows);
        this.specFrom = 0;
      }
      const img = this.specImg.data, scale = 1 / Math.log1p(spec.peak * 50);
      for (let f = this.specFrom; f < spec.done; f++) {
        for (let r = 0; r < rows; r++) {
          const v = Math.pow(Math.min(1, Math.log1p(spec.data[f * rows + r] * 50) * scale), 2);
          const o = 4 * ((rows - 1 - r) * spec.frames + f);
          img[o] = 255 - 120 * v; img[o + 1] = 255 - 200 * v; img[o + 2] = 255 - 60 * v; img[o + 3] = 255;
        }
      }
      this.specFrom = spec.done;
      this.specCanvas.getContext('2d').putImageData(this.specImg, 0, 0);
    }

    draw() {
      if (this._raf) return;
      this._raf = requestAnimationFrame(() => { this._raf = null; this._draw(); });
    }
    _draw() {
      const g = this.ctx, W = this.canvas.clientWidth, H = this.canvas.clientHeight;
      if (!W || !H) return;
      const t0 = this.scrollT, t1 = this.t(W);
      const bottom = this.pitchAt(H) - 1;
      g.clearRect(0, 0, W, H);
      g.save();
      g.beginPath(); g.rect(KEYW, TOP, W - KEYW, H - TOP); g.clip();
      for (let p = this.topPitch; p >= bottom; p--) {
        g.fillStyle = BLACK.has(p % 12) ? '#eef0f4' : '#fbfbfd';
        g.fillRect(KEYW, this.y(p), W - KEYW, this.rowH);
        if (p % 12 === 0) { g.fillStyle = '#c9ccd6'; g.fillRect(KEYW, this.y(p) + this.rowH - 1, W - KEYW, 1); }
      }
      if (this.showSpec && this.specCanvas && this.spec) {
        const s = this.spec, fx0 = t0 * s.fps, fx1 = t1 * s.fps;
        const r0 = HI - this.topPitch, r1 = HI - bottom;
        g.globalAlpha = 0.85;
        g.globalCompositeOperation = 'multiply';
        g.drawImage(this.specCanvas, fx0, r0, fx1 - fx0, r1 - r0 + 1, KEYW, TOP, W - KEYW, (r1 - r0 + 1) * this.rowH);
        g.globalCompositeOperation = 'source-over';
        g.globalAlpha = 1;
      }
      this._grid(g, t0, t1, TOP, H);
      const colors = {};
      for (const l of this.opts.labels) colors[l.name] = l.color;
      for (const n of this.notes) {
        if (n.end < t0 || n.start > t1 || n.pitch > this.topPitch || n.pitch < bottom) continue;
        const x = this.x(n.start), w = Math.max(2, (n.end - n.start) * this.pxPerSec), y = this.y(n.pitch);
        g.fillStyle = colors[n.label] || '#4b6bd6';
        g.globalAlpha = 0.45 + 0.55 * (n.velocity || 100) / 127;
        g.fillRect(x, y + 1, w, this.rowH - 2);
        g.globalAlpha = 1;
        if (n === this.selected) { g.strokeStyle = '#111'; g.lineWidth = 2; g.strokeRect(x, y + 1, w, this.rowH - 2); }
      }
      g.restore();
      this._keys(g, H, bottom);
      this._ruler(g, W, t0, t1);
      const ph = this.x(MusicAudio.now());
      if (ph >= KEYW && ph <= W) { g.fillStyle = '#d33'; g.fillRect(ph - 1, 0, 2, H); }
      if (MusicAudio.playing) {
        if (ph > W - 40) this.scrollT = MusicAudio.now() - 40 / this.pxPerSec;
        this.draw();
      }
      if (this.opts.onView) this.opts.onView();  // lanes that share this time axis follow it
    }
    _grid(g, t0, t1, top, H) {
      const beats = this.opts.beats() || [];
      if (beats.length >= 2) {
        for (const b of beats) {
          if (b.time < t0 || b.time > t1) continue;
          g.fillStyle = b.position === 1 ? 'rgba(40,40,80,.55)' : 'rgba(40,40,80,.18)';
          g.fillRect(Math.round(this.x(b.time)), top, 1, H - top);
        }
      } else {
        const every = this.pxPerSec > 40 ? 1 : this.pxPerSec > 8 ? 5 : 30;
        for (let s = Math.ceil(t0 / every) * every; s <= t1; s += every) {
          g.fillStyle = 'rgba(40,40,80,.15)';
          g.fillRect(Math.round(this.x(s)), top, 1, H - top);
        }
      }
    }
    _keys(g, H, bottom) {
      g.fillStyle = '#fff'; g.fillRect(0, TOP, KEYW, H - TOP);
      g.font = '9px sans-serif';
      for (let p = this.topPitch; p >= bottom; p--) {
        const y = this.y(p);
        if (BLACK.has(p % 12)) { g.fillStyle = '#333'; g.fillRect(0, y, KEYW * 0.62, this.rowH); }
        if (p % 12 === 0) { g.fillStyle = '#555'; g.fillText(MusicHarmony.midiName(p), KEYW - 22, y + this.rowH - 2); }
      }
      g.fillStyle = '#c9ccd6'; g.fillRect(KEYW - 1, TOP, 1, H - TOP);
    }
    _ruler(g, W, t0, t1) {
      g.fillStyle = '#f3f4f8'; g.fillRect(0, 0, W, TOP);
      g.fillStyle = '#333'; g.font = '10px sans-serif';
      const every = this.pxPerSec > 40 ? 1 : this.pxPerSec > 8 ? 5 : 30;
      for (let s = Math.ceil(t0 / every) * every; s <= t1; s += every) {
        const x = this.x(s);
        g.fillRect(x, RULER - 5, 1, 5);
        const m = Math.floor(s / 60), sec = Math.round(s % 60);
        g.fillText(m + ':' + String(sec).padStart(2, '0'), x + 2, 11);
      }
      if (this.peaks) {
        const pk = this.peaks, mid = RULER + WAVE / 2, amp = WAVE / 2 - 3;
        g.fillStyle = '#6b7bb3';
        for (let x = KEYW; x < W; x++) {
          const a = Math.floor(this.t(x) * pk.perSecond), b = Math.max(a + 1, Math.floor(this.t(x + 1) * pk.perSecond));
          let lo = 0, hi = 0;
          for (let i = a; i < b && 2 * i + 1 < pk.data.length; i++) {
            if (i < 0) continue;
            lo = Math.min(lo, pk.data[2 * i]); hi = Math.max(hi, pk.data[2 * i + 1]);
          }
          g.fillRect(x, mid - hi * amp, 1, Math.max(1, (hi - lo) * amp));
        }
      } else {
        g.fillStyle = '#888'; g.fillText(this.opts.noAudio ? 'no audio for this task' : 'loading audio…', KEYW + 6, RULER + 28);
      }
      g.fillStyle = '#c9ccd6'; g.fillRect(0, TOP - 1, W, 1);
    }
  }

  window.MusicPianoRoll = PianoRoll;
})();
