// The fretboard: a guitar (or bass, or any tuning) neck drawn on a canvas. Click a fret on a
// string to put a finger there (click it again to mute the string); click left of the nut to
// toggle the open string. It names the chord in Harte notation and lists the MIDI notes.
// readOnly (review): it shows a shape and names it; clicks change nothing.
(function () {
  'use strict';

  class Fretboard {
    // opts: {tuning (MIDI numbers, low string first), frets, onChange(shape)}
    constructor(host, opts) {
      this.opts = opts;
      this.tuning = opts.tuning;
      this.nFrets = opts.frets;
      this.frets = this.tuning.map(() => null);
      this.readOnly = false;
      this.canvas = LA.el('canvas', {class: 'fretboard-canvas', tabindex: '0', height: 24 + 22 * this.tuning.length,
        'aria-label': 'Fretboard: click a fret to place a finger'});
      this.name = LA.el('output', {class: 'fret-chord', 'aria-live': 'polite'});
      this.notes = LA.el('span', {class: 'fret-notes'});
      host.append(this.canvas, LA.el('div', {class: 'fret-readout'}, 'Chord: ', this.name, ' · notes: ', this.notes));
      this.ctx = this.canvas.getContext('2d');
      this.canvas.addEventListener('click', (ev) => this._click(ev));
      new ResizeObserver(() => this.draw()).observe(this.canvas);
      this.draw();
    }
    get geometry() {
      const W = this.canvas.clientWidth, n = this.tuning.length;
      return {nut: 44, fretW: (W - 54) / this.nFrets, top: 14, gap: 22, n};
    }
    // Centre of a fret cell in canvas pixels: string index s (0 = lowest), fret f (0 = open).
    cell(s, f) {
      const g = this.geometry;
      const x = f === 0 ? g.nut / 2 : g.nut + (f - 0.5) * g.fretW;
      return {x, y: g.top + (g.n - 1 - s) * g.gap};
    }
    notesNow() { return this.frets.map((f, i) => f === null ? null : this.tuning[i] + f).filter((x) => x !== null); }
    shape() {
      const notes = this.notesNow();
      return {frets: this.frets.slice(), tuning: this.tuning.slice(), notes, chord: MusicHarmony.nameChord(notes)};
    }
    set(frets) { this.frets = this.tuning.map((_, i) => frets && frets[i] !== undefined ? frets[i] : null); this.draw(); }
    clear() { if (this.readOnly) return; this.set(null); this._changed(); }
    _click(ev) {
      if (this.readOnly) return;
      const r = this.canvas.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top, g = this.geometry;
      const s = g.n - 1 - Math.round((py - g.top) / g.gap);
      if (s < 0 || s >= g.n) return;
      const f = px < g.nut ? 0 : Math.min(this.nFrets, Math.floor((px - g.nut) / g.fretW) + 1);
      this.frets[s] = this.frets[s] === f ? null : f;
      MusicAudio.voice(this.tuning[s] + f, MusicAudio.context().currentTime, 0.6, 90);
      this.draw();
      this._changed();
    }
    _changed() { if (this.opts.onChange) this.opts.onChange(this.shape()); }
    draw() {
      const c = this.canvas, W = c.clientWidth, H = Number(c.getAttribute('height')), dpr = window.devicePixelRatio || 1;
      if (!W) return;
      c.width = W * dpr; c.height = H * dpr; c.style.height = H + 'px';
      const g = this.ctx, geo = this.geometry;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.fillStyle = '#f4e7cf'; g.fillRect(geo.nut, 4, W - geo.nut - 10, H - 8);
      g.fillStyle = '#222'; g.fillRect(geo.nut - 3, 4, 4, H - 8);
      g.font = '10px sans-serif';
      for (let f = 1; f <= this.nFrets; f++) {
        const x = geo.nut + f * geo.fretW;
        g.fillStyle = '#9a8b70'; g.fillRect(x - 1, 4, 2, H - 8);
        if ([3, 5, 7, 9, 15, 17, 19, 21].includes(f)) { g.fillStyle = '#c9b89a'; g.beginPath(); g.arc(x - geo.fretW / 2, H / 2, 4, 0, 7); g.fill(); }
        if (f === 12 || f === 24) { g.fillStyle = '#c9b89a'; g.fillRect(x - geo.fretW / 2 - 2, 6, 4, H - 12); }
      }
      for (let s = 0; s < geo.n; s++) {
        const y = geo.top + (geo.n - 1 - s) * geo.gap;
        g.fillStyle = '#555'; g.fillRect(geo.nut, y - 0.5 - s * 0.15, W - geo.nut - 10, 1 + (geo.n - s) * 0.25);
        g.fillStyle = '#333'; g.fillText(MusicHarmony.midiName(this.tuning[s]), 2, y + 3);
        const f = this.frets[s];
        const mark = f === null ? '×' : f === 0 ? '○' : '';
        g.fillText(mark, 26, y + 4);
        if (f) {
          const p = this.cell(s, f);
          g.fillStyle = '#c0392b'; g.beginPath(); g.arc(p.x, p.y, 7, 0, 7); g.fill();
          g.fillStyle = '#fff'; g.fillText(String(f), p.x - (f > 9 ? 6 : 3), p.y + 3);
        }
      }
      const notes = this.notesNow();
      this.name.textContent = MusicHarmony.nameChord(notes);
      this.notes.textContent = notes.length ? notes.map((n) => MusicHarmony.midiName(n) + ' (' + n + ')').join(', ') : '—';
    }
  }

  window.MusicFretboard = Fretboard;
})();
