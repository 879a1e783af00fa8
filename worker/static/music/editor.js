// The music editor: provides the LAEditor interface workspace.js drives (mount / unmount /
// toEditorTask), built from the labeling config's music tags: a piano roll for <PianoRoll> with
// <NoteLabels>, a chords-and-beats lane for <ChordLabels>/<Beats>, a fretboard for <Fretboard>
// (on audio spans or on an image), simple <Choices>. Also: keyboard shortcuts, Web MIDI input,
// the OSC action channel (server-sent events) and an optional score view (abcjs).
// With opts.readOnly (the review page) the same views show an annotation without changing it:
// no drawing, chord picking, tapping, MIDI or OSC, and no Submit; "Edit to fix" unlocks editing so
// the reviewer's "Save fix" saves a corrected result.
(function () {
  'use strict';
  const el = LA.el;
  const PALETTE = ['#4b6bd6', '#e6194b', '#3cb44b', '#f58231', '#911eb4', '#42a5b4', '#b4a142', '#7a4b2a'];
  const QUALITY_KEYS = ['maj', 'min', '7', 'min7', 'maj7', 'dim', 'aug', 'sus4', 'sus2', 'hdim7', 'dim7'];
  let cur = null, events = null, listening = false;
  // Messages go to the page's status line: the workspace's, or the one opts.statusId names.
  const say = (msg, kind) => LA.say((cur && cur.opts.statusId) || 'ws-status', msg, kind);

  function toEditorTask(task, annotations, predictions) {
    return {id: task.id, data: task.data, annotations: annotations || [], predictions: predictions || []};
  }

  // ---------------------------------------------------------------- config
  function parseConfig(xml) {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const objects = {}, controls = [];
    for (const node of doc.getElementsByTagName('*')) {
      const name = node.getAttribute('name');
      if (!name) continue;
      const value = node.getAttribute('value') || '';
      if (['PianoRoll', 'Audio', 'AudioPlus', 'Image'].includes(node.tagName) && value.startsWith('$')) {
        objects[name] = {tag: node.tagName, name, field: value.slice(1), midi: (node.getAttribute('midi') || '').slice(1)};
      } else if (node.getAttribute('toName')) {
        const labels = [...node.children].filter((c) => c.tagName === 'Label' || c.tagName === 'Choice')
          .map((c, i) => ({name: c.getAttribute('alias') || c.getAttribute('value'), color: c.getAttribute('background') || PALETTE[i % PALETTE.length]}));
        controls.push({tag: node.tagName, name, toName: node.getAttribute('toName').split(',')[0], labels,
          tuning: node.getAttribute('tuning'), frets: Number(node.getAttribute('frets') || 15),
          choice: node.getAttribute('choice') || 'single'});
      }
    }
    return {objects, controls, find: (tag) => controls.find((c) => c.tag === tag) || null};
  }

  // ---------------------------------------------------------------- mount
  function mount(opts) {
    unmount();
    const cfg = parseConfig(opts.config);
    const task = opts.task;
    const mine = opts.selectAnnotationPk ? task.annotations.find((a) => String(a.id) === String(opts.selectAnnotationPk)) : null;
    const preds = (task.predictions || []).slice().sort((a, b) => (b.score || 0) - (a.score || 0));
    const start = mine || task.annotations[0] || null;
    const source = start ? start.result : preds.length ? preds[0].result : [];
    const ed = {opts, cfg, task, parentPrediction: !start && preds.length ? preds[0].id : null, shapes: [],
      noteLabel: null, choices: {}, review: !!opts.readOnly, readOnly: false,
      root: el('div', {class: 'music-editor', 'data-mode': opts.readOnly ? 'review' : 'label'})};
    cur = ed;
    opts.root.replaceChildren(ed.root);
    buildToolbar(ed);
    const noteCtl = cfg.find('NoteLabels'), chordCtl = cfg.find('ChordLabels'), beatCtl = cfg.find('Beats');
    const fretCtl = cfg.find('Fretboard');
    const rollObj = Object.values(cfg.objects).find((o) => o.tag === 'PianoRoll');
    const audioObj = rollObj || Object.values(cfg.objects).find((o) => o.tag === 'Audio' || o.tag === 'AudioPlus');
    const onImage = fretCtl && cfg.objects[fretCtl.toName] && cfg.objects[fretCtl.toName].tag === 'Image';
    if (noteCtl) {
      ed.noteLabel = noteCtl.labels.length ? noteCtl.labels[0].name : '';
      ed.root.append(labelBar(ed, noteCtl));
    }
    if (rollObj) {
      const host = el('div', {class: 'pianoroll-host'});
      ed.root.append(host);
      ed.roll = new MusicPianoRoll(host, {labels: noteCtl ? noteCtl.labels : [], currentLabel: () => ed.noteLabel || '',
        beats: () => ed.timeline ? ed.timeline.beats : [], duration: Number(task.data.duration) || 0});
      MusicAudio.setNotes(() => ed.roll.notes);
    }
    if (chordCtl || beatCtl || (fretCtl && !onImage)) {
      const host = el('div', {class: 'timeline-host'});
      ed.root.append(host);
      ed.timeline = new MusicTimeline(host, {view: ed.roll || null, onSelect: (c) => {
        if (c) pickerShow(ed, c.chord);
        if (c && ed.review) showShapeAt(ed, c);
      }});
      if (ed.roll) ed.roll.opts.onChange = ed.roll.opts.onView = () => ed.timeline.draw();
    }
    const panels = el('div', {class: 'music-panels'});
    ed.root.append(panels);
    if (chordCtl || (fretCtl && !onImage)) panels.append(chordPicker(ed));
    if (beatCtl) panels.append(beatPanel(ed));
    if (fretCtl) panels.append(fretPanel(ed, fretCtl, onImage));
    for (const ctl of cfg.controls.filter((c) => c.tag === 'Choices')) panels.append(choicesPanel(ed, ctl));
    ed.notation = el('div', {class: 'music-score', hidden: true, 'aria-label': 'Score'});
    ed.root.append(ed.notation);
    load(ed, source);
    setReadOnly(ed, ed.review);
    if (audioObj) loadAudio(ed, task.data[audioObj.field]);
    document.addEventListener('keydown', ed.keys = (ev) => onKey(ed, ev));
    if (!ed.review) openEvents();  // OSC actions drive the labeling workspace, not review
    if (opts.onReady) setTimeout(() => opts.onReady(ed), 0);
    return ed;
  }

  function unmount() {
    if (!cur) return;
    MusicAudio.reset();
    document.removeEventListener('keydown', cur.keys);
    cur = null;
  }

  async function loadAudio(ed, url) {
    if (!url) { if (ed.roll) { ed.roll.opts.noAudio = true; ed.roll.draw(); } return; }
    try {
      await MusicAudio.load(url);
      if (cur !== ed) return;
      if (ed.roll) ed.roll.setAudio();
      if (ed.timeline) ed.timeline.draw();
      ed.root.dataset.audio = 'ready';
    } catch (e) {
      ed.root.dataset.audio = 'error';
      say('Could not load the audio: ' + e.message, 'error');
    }
  }

  // ---------------------------------------------------------------- results in and out
  function load(ed, result) {
    const notes = [], chords = [], shapes = [];
    let beats = [], bpm = null;
    for (const r of result || []) {
      const v = r.value || {};
      if (r.type === 'notelabels') notes.push({start: v.start, end: v.end, pitch: v.pitch, velocity: v.velocity || 100, label: (v.notelabels || [])[0] || ''});
      else if (r.type === 'chordlabels') chords.push({start: v.start, end: v.end, chord: (v.chordlabels || [])[0]});
      else if (r.type === 'beats') { beats = (v.beats || []).slice(); bpm = v.bpm || null; }
      else if (r.type === 'fretboard') shapes.push(v);
      else if (r.type === 'choices') ed.choices[r.from_name] = (v.choices || []).slice();
    }
    if (ed.roll) ed.roll.setNotes(notes);
    if (ed.timeline) { ed.timeline.chords = chords; ed.timeline.beats = beats; ed.timeline.bpm = bpm; ed.timeline.draw(); }
    ed.shapes = shapes.filter((s) => s.start !== undefined);
    const still = shapes.find((s) => s.start === undefined);
    if (ed.fretboard && still) ed.fretboard.set(still.frets);
    else if (ed.fretboard && ed.review && ed.shapes.length) ed.fretboard.set(ed.shapes[0].frets);
    updateTempo(ed);
    for (const [name, values] of Object.entries(ed.choices)) {
      for (const box of ed.root.querySelectorAll('input[data-choice-of="' + CSS.escape(name) + '"]')) box.checked = values.includes(box.value);
    }
  }

  function serialize(ed) {
    const cfg = ed.cfg, out = [];
    let n = 0;
    const region = (ctl, type, value) => out.push({id: 'm' + (n++), from_name: ctl.name, to_name: ctl.toName, type, value});
    const noteCtl = cfg.find('NoteLabels'), chordCtl = cfg.find('ChordLabels'), beatCtl = cfg.find('Beats'), fretCtl = cfg.find('Fretboard');
    if (ed.roll && noteCtl) {
      for (const x of ed.roll.notes.slice().sort((a, b) => a.start - b.start || a.pitch - b.pitch)) {
        region(noteCtl, 'notelabels', {start: x.start, end: x.end, pitch: x.pitch, velocity: x.velocity || 100, notelabels: x.label ? [x.label] : []});
      }
    }
    if (ed.timeline && chordCtl) for (const c of ed.timeline.chords) region(chordCtl, 'chordlabels', {start: c.start, end: c.end, chordlabels: [c.chord]});
    if (ed.timeline && beatCtl && ed.timeline.beats.length) {
      const value = {beats: ed.timeline.beats.map((b) => ({time: b.time, position: b.position || 0}))};
      if (ed.timeline.bpm) value.bpm = ed.timeline.bpm;
      region(beatCtl, 'beats', value);
    }
    if (fretCtl) {
      for (const s of ed.shapes) region(fretCtl, 'fretboard', s);
      if (ed.fretOnImage && ed.fretboard && ed.fretboard.notesNow().length) region(fretCtl, 'fretboard', ed.fretboard.shape());
    }
    for (const ctl of cfg.controls.filter((c) => c.tag === 'Choices')) {
      if ((ed.choices[ctl.name] || []).length) region(ctl, 'choices', {choices: ed.choices[ctl.name]});
    }
    return out;
  }

  // Review shows an annotation read-only; "Edit to fix" lifts it. Every view checks its own flag
  // (no drawing, moving, tapping, picking) and CSS hides the editing panels.
  function setReadOnly(ed, on) {
    ed.readOnly = on;
    ed.root.classList.toggle('read-only', on);
    for (const view of [ed.roll, ed.timeline, ed.fretboard]) if (view) view.readOnly = on;
    for (const input of ed.root.querySelectorAll('.choices-panel input')) input.disabled = on;
    if (ed.editButton) {
      ed.editButton.setAttribute('aria-pressed', String(!on));
      ed.editButton.textContent = on ? 'Edit to fix' : 'Editing (fix)';
    }
    if (on && ed.timeline && !ed.timeline.selected) { ed.timeline.selection = null; ed.timeline.draw(); }
  }
  // The fretboard shape put on the span of chord `c` (review: clicking a chord shows its shape).
  function showShapeAt(ed, c) {
    const shape = ed.shapes.find((s) => s.start < c.end && s.end > c.start);
    if (ed.fretboard && shape) ed.fretboard.set(shape.frets);
  }

  function annotationObject(ed) {
    return {serializeAnnotation: () => serialize(ed), parent_prediction: ed.parentPrediction};
  }
  function submit(ed) {
    if (ed.review) return;  // the review page's own buttons record verdicts
    const mine = ed.opts.selectAnnotationPk;
    (mine ? ed.opts.onUpdate : ed.opts.onSubmit)(annotationObject(ed));
  }

  // ---------------------------------------------------------------- toolbar and panels
  function buildToolbar(ed) {
    const play = el('button', {type: 'button', class: 'music-play', title: 'Play / stop (Space)', onclick: () => togglePlay()}, 'Play');
    ed.playButton = play;
    if (!listening) {
      listening = true;
      MusicAudio.onChange((playing) => {
        if (!cur) return;
        cur.playButton.textContent = playing ? 'Stop' : 'Play';
        if (cur.roll) cur.roll.draw();
        if (cur.timeline) cur.timeline.draw();
      });
    }
    const toggle = (label, key, on) => el('label', {class: 'music-toggle'},
      el('input', {type: 'checkbox', checked: on, onchange: (ev) => { MusicAudio[key] = ev.target.checked; }}), label);
    const canSkip = !ed.review && (ed.opts.interfaces || []).includes('skip');
    // Image-only configs (chord diagrams) have nothing to play, zoom or score.
    const timed = Object.values(ed.cfg.objects).some((o) => o.tag !== 'Image');
    const bar = el('div', {class: 'music-toolbar', role: 'toolbar', 'aria-label': 'Music editor'},
      ...(timed ? [play, toggle('audio', 'playAudio', true), toggle('notes', 'playNotes', true),
      el('button', {type: 'button', title: 'Zoom out (-)', onclick: () => ed.roll && ed.roll.zoom(0.8)}, '−'),
      el('button', {type: 'button', title: 'Zoom in (+)', onclick: () => ed.roll && ed.roll.zoom(1.25)}, '+'),
      el('label', {class: 'music-toggle'}, el('input', {type: 'checkbox', checked: true, class: 'snap-toggle',
        onchange: (ev) => { if (ed.roll) { ed.roll.snapOn = ev.target.checked; } }}), 'snap to beats'),
      el('label', {class: 'music-toggle'}, el('input', {type: 'checkbox', checked: true,
        onchange: (ev) => { if (ed.roll) { ed.roll.showSpec = ev.target.checked; ed.roll.draw(); } }}), 'spectrogram'),
      el('button', {type: 'button', onclick: () => toggleScore(ed)}, 'Score'),
      ed.review ? null : el('button', {type: 'button', class: 'midi-connect', title: 'Use a MIDI keyboard (Web MIDI)', onclick: () => connectMidi(ed)}, 'MIDI')] : []),
      el('span', {class: 'spacer'}),
      canSkip ? el('button', {type: 'button', class: 'music-skip', title: 'Skip (Ctrl+Space)', onclick: () => ed.opts.onSkip()}, 'Skip') : null,
      ed.review ? null : el('button', {type: 'button', class: 'primary music-submit', title: 'Submit (Ctrl+Enter)', onclick: () => submit(ed)},
        ed.opts.selectAnnotationPk ? 'Update' : 'Submit'));
    if (ed.review) {
      ed.editButton = el('button', {type: 'button', class: 'music-edit', 'aria-pressed': 'false',
        title: 'Unlock the views to correct the annotation, then press Save fix', onclick: () => setReadOnly(ed, !ed.readOnly)}, 'Edit to fix');
      bar.append(ed.editButton);
    }
    ed.root.append(bar);
  }

  function labelBar(ed, ctl) {
    const bar = el('div', {class: 'music-labels', role: 'radiogroup', 'aria-label': 'Note label'});
    ctl.labels.forEach((l, i) => {
      const b = el('button', {type: 'button', role: 'radio', 'aria-checked': String(i === 0), 'data-label': l.name,
        style: '--label:' + l.color, onclick: () => selectNoteLabel(ed, l.name)}, (i < 9 ? (i + 1) + ' ' : '') + l.name);
      bar.append(b);
    });
    return bar;
  }
  function selectNoteLabel(ed, name) {
    if (ed.readOnly) return;
    ed.noteLabel = name;
    for (const b of ed.root.querySelectorAll('.music-labels button')) b.setAttribute('aria-checked', String(b.dataset.label === name));
    if (ed.roll && ed.roll.selected) { ed.roll.selected.label = name; ed.roll.changed(); }
  }

  function chordPicker(ed) {
    const H = MusicHarmony, box = el('fieldset', {class: 'chord-picker'}, el('legend', {}, 'Chord'));
    ed.pick = {root: 'C', quality: 'maj', bass: ''};
    const roots = el('div', {class: 'chip-row'}), quals = el('div', {class: 'chip-row'});
    H.ROOTS.forEach((r) => roots.append(el('button', {type: 'button', 'data-root': r, onclick: () => { ed.pick.root = r; pickerSync(ed); }}, r)));
    QUALITY_KEYS.forEach((q) => quals.append(el('button', {type: 'button', 'data-quality': q, onclick: () => { ed.pick.quality = q; pickerSync(ed); }}, q)));
    const bass = el('select', {'aria-label': 'Bass', onchange: (ev) => { ed.pick.bass = ev.target.value; pickerSync(ed); }},
      ['', '3', 'b3', '5', 'b7', '7', '2', '4', '6'].map((d) => el('option', {value: d}, d ? '/' + d : 'root in bass')));
    ed.chordInput = el('input', {type: 'text', class: 'chord-input', placeholder: 'A:min7', 'aria-label': 'Chord (Harte)',
      onkeydown: (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); applyChord(ed, ev.target.value.trim()); } }});
    const apply = el('button', {type: 'button', class: 'primary chord-apply', onclick: () => applyChord(ed, ed.chordInput.value.trim())}, 'Set on span (Enter)');
    ed.pickerBass = bass;
    box.append(roots, quals, el('div', {class: 'chip-row'}, bass, ed.chordInput, apply,
      el('button', {type: 'button', onclick: () => applyChord(ed, 'N')}, 'N (no chord)')),
      el('p', {class: 'hint'}, 'Drag on the chords lane to select a span, pick a chord, press Enter. Click a chord to change it; Delete removes it.'));
    setTimeout(() => pickerSync(ed), 0);
    return box;
  }
  function pickerSync(ed) {
    const p = ed.pick;
    ed.chordInput.value = p.root + ':' + p.quality + (p.bass ? '/' + p.bass : '');
    for (const b of ed.root.querySelectorAll('[data-root]')) b.classList.toggle('on', b.dataset.root === p.root);
    for (const b of ed.root.querySelectorAll('[data-quality]')) b.classList.toggle('on', b.dataset.quality === p.quality);
  }
  function pickerShow(ed, chord) {
    if (!ed.chordInput) return;
    ed.chordInput.value = chord;
    const m = /^([A-G][b#]?):?([a-z0-9]*)(?:\/(.*))?$/.exec(chord || '');
    if (!m) return;
    ed.pick = {root: m[1], quality: m[2] || 'maj', bass: m[3] || ''};
    for (const b of ed.root.querySelectorAll('[data-root]')) b.classList.toggle('on', b.dataset.root === ed.pick.root);
    for (const b of ed.root.querySelectorAll('[data-quality]')) b.classList.toggle('on', b.dataset.quality === ed.pick.quality);
    ed.pickerBass.value = ed.pick.bass;
  }
  function applyChord(ed, chord) {
    if (ed.readOnly) return false;
    try { MusicHarmony.parseChord(chord); } catch (e) { say(e.message, 'error'); return false; }
    if (!ed.timeline || !ed.timeline.applyChord(chord)) { say('Select a span on the chords lane first', 'error'); return false; }
    say('');
    pickerShow(ed, chord);
    return true;
  }

  function beatPanel(ed) {
    ed.tempo = el('output', {class: 'tempo', 'aria-live': 'polite'}, '—');
    return el('fieldset', {class: 'beat-panel'}, el('legend', {}, 'Beats'),
      el('button', {type: 'button', class: 'tap-beat', onclick: () => tap(ed, false)}, 'Tap beat (B)'),
      el('button', {type: 'button', class: 'tap-downbeat', onclick: () => tap(ed, true)}, 'Tap downbeat (V)'),
      el('button', {type: 'button', onclick: () => { if (!ed.readOnly) { ed.timeline.clearBeats(); updateTempo(ed); } }}, 'Clear'),
      el('div', {}, 'Tempo: ', ed.tempo),
      el('p', {class: 'hint'}, 'Play the audio and press B on each beat, V on each downbeat.'));
  }
  function tap(ed, down) { if (!ed.timeline || ed.readOnly) return; ed.timeline.tap(down); updateTempo(ed); }
  function updateTempo(ed) {
    if (!ed.tempo || !ed.timeline) return;
    const bpm = ed.timeline.bpm;
    ed.tempo.textContent = bpm ? '♩ = ' + bpm + ' BPM (' + ed.timeline.beats.length + ' beats)' : '— (' + ed.timeline.beats.length + ' beats)';
  }

  function fretPanel(ed, ctl, onImage) {
    const box = el('fieldset', {class: 'fret-panel'}, el('legend', {}, 'Fretboard'));
    let tuning;
    try { tuning = MusicHarmony.parseTuning(ctl.tuning || 'standard'); } catch (e) { tuning = MusicHarmony.parseTuning('standard'); }
    if (onImage) {
      const obj = ed.cfg.objects[ctl.toName];
      box.append(el('img', {class: 'fret-image', src: ed.task.data[obj.field], alt: 'Image to label'}));
    }
    ed.fretOnImage = onImage;
    ed.fretboard = new MusicFretboard(box, {tuning, frets: Math.min(24, Math.max(5, ctl.frets || 15)), onChange: () => {}});
    const actions = el('div', {class: 'chip-row'}, el('button', {type: 'button', onclick: () => ed.fretboard.clear()}, 'Clear'));
    if (!onImage) {
      actions.append(el('button', {type: 'button', class: 'fret-apply', onclick: () => applyShape(ed)}, 'Set shape on span'));
    }
    box.append(actions);
    return box;
  }
  function applyShape(ed) {
    if (ed.readOnly) return;
    const sel = ed.timeline && ed.timeline.selection;
    if (!sel || !(sel.end > sel.start)) { say('Select a span on the chords lane first', 'error'); return; }
    const shape = Object.assign(ed.fretboard.shape(), {start: sel.start, end: sel.end});
    ed.shapes = ed.shapes.filter((s) => s.end <= sel.start || s.start >= sel.end).concat([shape]);
    if (ed.cfg.find('ChordLabels')) { ed.timeline.selected = null; ed.timeline.applyChord(shape.chord); }
  }

  function choicesPanel(ed, ctl) {
    const box = el('fieldset', {class: 'choices-panel'}, el('legend', {}, ctl.name));
    ed.choices[ctl.name] = ed.choices[ctl.name] || [];
    for (const l of ctl.labels) {
      box.append(el('label', {}, el('input', {type: ctl.choice === 'multiple' ? 'checkbox' : 'radio', name: 'choice-' + ctl.name,
        value: l.name, 'data-choice-of': ctl.name, onchange: () => {
          ed.choices[ctl.name] = [...box.querySelectorAll('input:checked')].map((i) => i.value);
        }}), ' ' + l.name));
    }
    return box;
  }

  // ---------------------------------------------------------------- keys, MIDI, OSC
  function togglePlay() { if (MusicAudio.playing) MusicAudio.stop(); else MusicAudio.play(); }

  function onKey(ed, ev) {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName) && ev.target.type !== 'checkbox' && ev.target.type !== 'radio';
    if (ev.ctrlKey && ev.key === 'Enter' && !ed.review) { ev.preventDefault(); submit(ed); return; }
    if (ev.ctrlKey && (ev.key === ' ' || ev.code === 'Space') && !ed.review) { ev.preventDefault(); if ((ed.opts.interfaces || []).includes('skip')) ed.opts.onSkip(); return; }
    if (typing || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    if (ev.key === ' ') { ev.preventDefault(); togglePlay(); }
    else if (ed.readOnly) return;
    else if (ev.key === 'b' || ev.key === 'B') tap(ed, false);
    else if (ev.key === 'v' || ev.key === 'V') tap(ed, true);
    else if (/^[1-9]$/.test(ev.key)) {
      const ctl = ed.cfg.find('NoteLabels'), l = ctl && ctl.labels[Number(ev.key) - 1];
      if (l) selectNoteLabel(ed, l.name);
    }
  }

  const held = new Map();
  let chordTimer = null;
  // One MIDI message: while the audio plays, notes are recorded into the piano roll; otherwise a
  // chord held for a moment names itself and becomes the chord label (and the fretboard's name).
  function midiMessage(data) {
    const ed = cur;
    if (!ed || ed.readOnly) return;
    const [status, pitch, velocity] = data, kind = status & 0xf0;
    if (kind === 0x90 && velocity > 0) {
      held.set(pitch, velocity);
      if (MusicAudio.playing && ed.roll) ed.roll.recordOn(pitch, velocity);
      else MusicAudio.voice(pitch, MusicAudio.context().currentTime, 0.4, velocity);
      clearTimeout(chordTimer);
      chordTimer = setTimeout(() => {
        if (MusicAudio.playing || held.size < 2) return;
        const chord = MusicHarmony.nameChord([...held.keys()]);
        pickerShow(ed, chord);
        if (ed.timeline && ed.timeline.selection) applyChord(ed, chord);
        ed.root.dataset.midiChord = chord;
      }, 120);
    } else if (kind === 0x80 || (kind === 0x90 && velocity === 0)) {
      held.delete(pitch);
      if (ed.roll) ed.roll.recordOff(pitch);
    }
  }
  async function connectMidi(ed) {
    if (!navigator.requestMIDIAccess) { say('This browser has no Web MIDI', 'error'); return; }
    try {
      const access = await navigator.requestMIDIAccess();
      let n = 0;
      for (const input of access.inputs.values()) { input.onmidimessage = (m) => midiMessage(m.data); n++; }
      say(n ? 'MIDI: listening to ' + n + ' input(s)' : 'MIDI: no inputs found', n ? 'ok' : 'error');
    } catch (e) { say('MIDI: ' + e.message, 'error'); }
  }

  // Actions from `labelart osc` (or any client with the user's token) for this user's workspace.
  function openEvents() {
    if (events || !window.EventSource) return;
    events = new EventSource('/api/music/events');
    events.onmessage = (msg) => { try { action(JSON.parse(msg.data)); } catch (e) { /* a malformed event changes nothing */ } };
  }
  function action(ev) {
    const ed = cur;
    if (!ed) return;
    ed.root.dataset.lastAction = ev.action;
    if (ev.action === 'submit') submit(ed);
    else if (ev.action === 'skip') { if ((ed.opts.interfaces || []).includes('skip')) ed.opts.onSkip(); }
    else if (ev.action === 'beat') tap(ed, ev.args && (ev.args[0] === 1 || ev.args[0] === 'down' || ev.args[0] === 'downbeat'));
    else if (ev.action === 'label') applyLabel(ed, String(ev.args[0]));
  }
  function applyLabel(ed, name) {
    const noteCtl = ed.cfg.find('NoteLabels');
    if (noteCtl && noteCtl.labels.some((l) => l.name === name)) { selectNoteLabel(ed, name); return; }
    for (const ctl of ed.cfg.controls.filter((c) => c.tag === 'Choices')) {
      const box = ed.root.querySelector('input[data-choice-of="' + CSS.escape(ctl.name) + '"][value="' + CSS.escape(name) + '"]');
      if (box) { box.checked = true; box.dispatchEvent(new Event('change')); return; }
    }
    try { MusicHarmony.parseChord(name); } catch (e) { say('OSC: no label called ' + name, 'error'); return; }
    pickerShow(ed, name);
    if (ed.timeline && (ed.timeline.selection || ed.timeline.selected)) applyChord(ed, name);
  }

  // ---------------------------------------------------------------- score (abcjs)
  function toggleScore(ed) {
    ed.notation.hidden = !ed.notation.hidden;
    if (!ed.notation.hidden) renderScore(ed);
  }
  function abcPitch(m) {
    const names = ['C', '^C', 'D', '^D', 'E', 'F', '^F', 'G', '^G', 'A', '^A', 'B'];
    const oct = Math.floor(m / 12) - 1, n = names[m % 12];
    if (oct >= 5) return n.toLowerCase() + "'".repeat(oct - 5);
    return n + ','.repeat(Math.max(0, 4 - oct));
  }
  // The labeled notes as ABC: sixteenths at the tapped (or 120) tempo, notes starting together as chords.
  function toAbc(ed) {
    const bpm = (ed.timeline && ed.timeline.bpm) || 120, six = 60 / bpm / 4;
    const notes = (ed.roll ? ed.roll.notes : []).slice().sort((a, b) => a.start - b.start).slice(0, 600);
    const groups = new Map();
    for (const n of notes) {
      const q = Math.round(n.start / six);
      if (!groups.has(q)) groups.set(q, []);
      groups.get(q).push(n);
    }
    let t = 0, body = '', inBar = 0;
    const emit = (tok, len) => { body += tok + (len > 1 ? len : '') + ' '; inBar += len; if (inBar >= 16) { body += '| '; inBar -= 16; } };
    for (const q of [...groups.keys()].sort((a, b) => a - b)) {
      if (q > t) { emit('z', Math.min(q - t, 16 - inBar || 16)); t = q; }
      const g = groups.get(q), len = Math.max(1, Math.min(16 - inBar, Math.round((g[0].end - g[0].start) / six)));
      emit(g.length > 1 ? '[' + g.map((n) => abcPitch(n.pitch)).join('') + ']' : abcPitch(g[0].pitch), len);
      t = q + len;
    }
    return 'X:1\nM:4/4\nL:1/16\nQ:1/4=' + Math.round(bpm) + '\nK:C\n' + (body || 'z16') + '|]\n';
  }
  function renderScore(ed) {
    if (!window.ABCJS) { ed.notation.textContent = 'The score view needs abcjs (npm ci).'; return; }
    ed.notation.replaceChildren();
    window.ABCJS.renderAbc(ed.notation, toAbc(ed), {responsive: 'resize', add_classes: true});
  }

  window.LAEditor = {mount, unmount, toEditorTask, selected: () => cur && annotationObject(cur),
    LABEL_INTERFACES: ['submit', 'update', 'skip'], REVIEW_INTERFACES: ['update']};
  window.MusicEditor = {get current() { return cur; }, serialize: () => cur && serialize(cur), midiMessage, action,
    toAbc: () => cur && toAbc(cur), setReadOnly: (on) => cur && setReadOnly(cur, on)};
})();
