// Chord names in Harte notation, note names and guitar tunings: the browser's copy of
// worker/music/harmony.py (same tables, same choices; tests/music checks both agree).
(function () {
  'use strict';
  const SHARP = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  const ROOTS = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];
  const LETTER = {C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11};
  const QUALITIES = {
    maj: [0, 4, 7], min: [0, 3, 7], 7: [0, 4, 7, 10], min7: [0, 3, 7, 10], maj7: [0, 4, 7, 11],
    dim: [0, 3, 6], aug: [0, 4, 8], sus4: [0, 5, 7], sus2: [0, 2, 7], hdim7: [0, 3, 6, 10],
    dim7: [0, 3, 6, 9], minmaj7: [0, 3, 7, 11], maj6: [0, 4, 7, 9], min6: [0, 3, 7, 9],
    9: [0, 4, 7, 10, 2], maj9: [0, 4, 7, 11, 2], min9: [0, 3, 7, 10, 2], 5: [0, 7],
  };
  const NAMING = ['maj', 'min', '7', 'min7', 'maj7', 'dim', 'aug', 'sus4', 'sus2', 'hdim7', 'dim7',
    'minmaj7', 'maj6', 'min6', '9', 'maj9', 'min9', '5'];
  const DEGREES = {0: '1', 1: 'b2', 2: '2', 3: 'b3', 4: '3', 5: '4', 6: 'b5', 7: '5', 8: '#5', 9: '6', 10: 'b7', 11: '7'};
  const ADDED = {1: 'b9', 2: '9', 3: '#9', 5: '11', 6: '#11', 8: 'b13', 9: '13'};
  const DEG_SEMI = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 9: 2, 11: 5, 13: 9};
  const TUNINGS = {
    standard: 'E2 A2 D3 G3 B3 E4', 'drop-d': 'D2 A2 D3 G3 B3 E4', 'open-g': 'D2 G2 D3 G3 B3 D4',
    'open-d': 'D2 A2 D3 F#3 A3 D4', dadgad: 'D2 A2 D3 G3 A3 D4', 'half-step-down': 'Eb2 Ab2 Db3 Gb3 Bb3 Eb4',
    bass: 'E1 A1 D2 G2', 'bass-5': 'B0 E1 A1 D2 G2', ukulele: 'G4 C4 E4 A4', 'seven-string': 'B1 E2 A2 D3 G3 B3 E4',
  };
  const acc = (s) => (s.match(/#/g) || []).length - (s.match(/b/g) || []).length;

  function noteToMidi(name) {
    const m = /^([A-Ga-g])(#{1,2}|b{1,2})?(-?\d)$/.exec(String(name).trim());
    if (!m) throw new Error(name + ' is not a note name like E2 or F#3');
    return 12 * (Number(m[3]) + 1) + LETTER[m[1].toUpperCase()] + acc(m[2] || '');
  }
  const midiName = (m) => SHARP[m % 12] + (Math.floor(m / 12) - 1);
  const midiHz = (m) => 440 * Math.pow(2, (m - 69) / 12);

  function parseTuning(t) {
    const text = TUNINGS[String(t || 'standard').trim().toLowerCase()] || t;
    return String(text).trim().split(/[\s,]+/).filter(Boolean).map(noteToMidi);
  }

  function nameChord(notes) {
    const sorted = notes.map(Number).sort((a, b) => a - b);
    if (!sorted.length) return 'N';
    const pcs = [...new Set(sorted.map((n) => n % 12))];
    const bass = sorted[0] % 12;
    let best = null;
    const roots = pcs.slice().sort((a, b) => ((a !== bass) - (b !== bass)) || a - b);
    for (const root of roots) {
      const rel = new Set(pcs.map((p) => (p - root + 12) % 12));
      NAMING.forEach((q, rank) => {
        const tones = new Set(QUALITIES[q]);
        const missing = [...tones].filter((x) => !rel.has(x));
        const extra = [...rel].filter((x) => !tones.has(x));
        const cost = missing.reduce((s, m) => s + (m === 7 ? 0.6 : 3), 0) +
          extra.reduce((s, e) => s + (e in ADDED ? 1 : 3), 0);
        const key = [cost, root !== bass ? 1 : 0, rank];
        if (!best || key[0] < best.key[0] - 1e-9 || (Math.abs(key[0] - best.key[0]) < 1e-9 &&
            (key[1] < best.key[1] || (key[1] === best.key[1] && key[2] < best.key[2])))) {
          best = {key, root, q, missing, extra};
        }
      });
    }
    const parts = best.extra.sort((a, b) => a - b).map((e) => ADDED[e] || DEGREES[e])
      .concat(best.missing.sort((a, b) => a - b).map((m) => '*' + DEGREES[m]));
    let sym = ROOTS[best.root] + ':' + best.q + (parts.length ? '(' + parts.join(',') + ')' : '');
    if (bass !== best.root) sym += '/' + DEGREES[(bass - best.root + 12) % 12];
    return sym;
  }

  const HARTE = /^([A-G](?:b*|#*))(?::([a-z0-9]*)?(?:\(([^)]*)\))?)?(?:\/((?:b*|#*)\d{1,2}))?$/;
  function degree(t) {
    const m = /^(b*|#*)(\d{1,2})$/.exec(t);
    if (!m || !(m[2] in DEG_SEMI)) throw new Error(t + ' is not a scale degree');
    return ((DEG_SEMI[m[2]] + acc(m[1])) % 12 + 12) % 12;
  }
  // {root, pcs, bass} of a Harte symbol, null for N/X; throws on anything else.
  function parseChord(sym) {
    sym = String(sym).trim();
    if (sym === 'N' || sym === 'X') return null;
    const m = HARTE.exec(sym);
    if (!m) throw new Error(sym + ' is not a chord like C:maj, A:min7 or G:7/3');
    const root = ((LETTER[m[1][0]] + acc(m[1].slice(1))) % 12 + 12) % 12;
    if (m[2] && !(m[2] in QUALITIES)) throw new Error(sym + ': unknown quality ' + m[2]);
    const iv = new Set(m[2] ? QUALITIES[m[2]] : (m[3] === undefined ? QUALITIES.maj : [0]));
    for (const item of (m[3] || '').split(',').map((x) => x.trim()).filter(Boolean)) {
      if (item[0] === '*') iv.delete(degree(item.slice(1))); else iv.add(degree(item));
    }
    const bass = m[4] ? (root + degree(m[4])) % 12 : root;
    return {root, pcs: [...iv].map((i) => (root + i) % 12), bass};
  }
  function chordNotes(sym, octave) {
    const c = parseChord(sym);
    if (!c) return [];
    const base = 12 * ((octave || 3) + 1) + c.bass;
    return [base].concat(c.pcs.filter((p) => p !== c.bass).map((p) => base + ((p - c.bass + 12) % 12)).sort((a, b) => a - b));
  }

  window.MusicHarmony = {SHARP, ROOTS, QUALITIES, NAMING, TUNINGS, noteToMidi, midiName, midiHz, parseTuning,
    nameChord, parseChord, chordNotes};
})();
