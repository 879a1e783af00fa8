// Web Audio for the music views: decode the task's audio, draw-ready peaks and a pitch-aligned
// spectrogram, and playback of the audio and the labeled notes from any point, with a clock the
// views follow. One engine per page; mount() of a new task calls reset().
(function () {
  'use strict';
  let ctx = null;
  const state = {buffer: null, source: null, voices: [], playing: false, startedAt: 0, offset: 0,
    notes: () => [], playAudio: true, playNotes: true, timer: null, scheduled: 0, listeners: []};

  function context() {
    if (!ctx) ctx = new (window.AudioContext || window.webkitAudioContext)();
    return ctx;
  }

  async function load(url) {
    const resp = await fetch(url, {credentials: 'same-origin'});
    if (!resp.ok) throw new Error('audio: HTTP ' + resp.status);
    state.buffer = await context().decodeAudioData(await resp.arrayBuffer());
    return state.buffer;
  }

  // Peaks (min, max pairs) at `perSecond` columns per second, from channel 0.
  function peaks(perSecond) {
    const b = state.buffer;
    if (!b) return null;
    const data = b.getChannelData(0);
    const step = Math.max(1, Math.floor(b.sampleRate / perSecond));
    const n = Math.ceil(data.length / step);
    const out = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      let lo = 0, hi = 0;
      for (let j = i * step, end = Math.min(data.length, j + step); j < end; j++) {
        const v = data[j];
        if (v < lo) lo = v; else if (v > hi) hi = v;
      }
      out[2 * i] = lo; out[2 * i + 1] = hi;
    }
    return {perSecond, data: out};
  }

  function fft(re, im) {
    const n = re.length;
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = -2 * Math.PI / len, wr = Math.cos(ang), wi = Math.sin(ang);
      for (let i = 0; i < n; i += len) {
        let cr = 1, ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const a = i + k, b = a + len / 2;
          const tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr;
          re[b] = re[a] - tr; im[b] = im[a] - ti; re[a] += tr; im[a] += ti;
          const nr = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = nr;
        }
      }
    }
  }

  // A spectrogram on MIDI rows lo..hi at `fps` frames a second: {fps, lo, hi, frames, data (0..1)}.
  // Computed in slices between frames of the page (a 5-minute piece takes a few seconds) and
  // reported through onProgress so the view can draw as it fills.
  function spectrogram(lo, hi, fps, onProgress) {
    const b = state.buffer;
    if (!b) return null;
    const x = b.getChannelData(0), rate = b.sampleRate, size = 4096;
    const hop = Math.round(rate / fps), frames = Math.ceil(x.length / hop), rows = hi - lo + 1;
    const spec = {fps, lo, hi, frames, data: new Float32Array(frames * rows), done: 0};
    const win = new Float32Array(size).map((_, i) => 0.5 - 0.5 * Math.cos(2 * Math.PI * i / size));
    const bins = [];
    for (let m = lo; m <= hi; m++) bins.push(Math.round(440 * Math.pow(2, (m - 69) / 12) * size / rate));
    let f = 0, peak = 1e-9;
    function slice() {
      const stop = Math.min(frames, f + 200);
      const re = new Float32Array(size), im = new Float32Array(size);
      for (; f < stop; f++) {
        re.fill(0); im.fill(0);
        const start = f * hop - size / 2;
        for (let i = 0; i < size; i++) { const j = start + i; re[i] = j >= 0 && j < x.length ? x[j] * win[i] : 0; }
        fft(re, im);
        for (let r = 0; r < rows; r++) {
          const k = bins[r];
          const v = Math.hypot(re[k], im[k]);
          spec.data[f * rows + r] = v;
          if (v > peak) peak = v;
        }
      }
      spec.done = f;
      spec.peak = peak;
      if (onProgress) onProgress(spec);
      if (f < frames) setTimeout(slice, 0);
    }
    slice();
    return spec;
  }

  const now = () => state.playing ? state.offset + context().currentTime - state.startedAt : state.offset;

  function voice(pitch, when, dur, velocity) {
    const c = context(), osc = c.createOscillator(), gain = c.createGain();
    osc.type = 'triangle';
    osc.frequency.value = MusicHarmony.midiHz(pitch);
    const level = 0.18 * (velocity || 100) / 127;
    gain.gain.setValueAtTime(0, when);
    gain.gain.linearRampToValueAtTime(level, when + 0.01);
    gain.gain.setTargetAtTime(0, when + Math.max(0.02, dur), 0.03);
    osc.connect(gain).connect(c.destination);
    osc.start(when);
    osc.stop(when + dur + 0.2);
    state.voices.push(osc);
  }

  // Notes are scheduled a little ahead, in a loop, so thousands of notes cost nothing up front.
  function scheduleAhead() {
    if (!state.playing) return;
    const c = context(), t0 = now(), horizon = t0 + 0.5;
    if (state.playNotes) {
      for (const n of state.notes()) {
        if (n.start >= state.scheduled && n.start < horizon) {
          voice(n.pitch, c.currentTime + (n.start - t0), n.end - n.start, n.velocity);
        }
      }
    }
    state.scheduled = horizon;
    state.voices = state.voices.filter((v) => v.context && true).slice(-400);
  }

  function play(from) {
    stop();
    const c = context();
    if (c.state === 'suspended') c.resume();
    state.offset = Math.max(0, from === undefined ? state.offset : from);
    state.startedAt = c.currentTime;
    state.playing = true;
    state.scheduled = state.offset;
    if (state.buffer && state.playAudio) {
      state.source = c.createBufferSource();
      state.source.buffer = state.buffer;
      state.source.connect(c.destination);
      state.source.start(0, Math.min(state.offset, state.buffer.duration));
    }
    scheduleAhead();
    state.timer = setInterval(scheduleAhead, 150);
    emit();
  }

  function stop() {
    if (state.playing) state.offset = now();
    state.playing = false;
    clearInterval(state.timer);
    if (state.source) { try { state.source.stop(); } catch (e) { /* already ended */ } state.source = null; }
    for (const v of state.voices) { try { v.stop(); } catch (e) { /* not started or ended */ } }
    state.voices = [];
    emit();
  }

  function seek(t) { const was = state.playing; stop(); state.offset = Math.max(0, t); if (was) play(); else emit(); }
  function emit() { for (const fn of state.listeners) fn(state.playing); }
  function reset() { stop(); state.buffer = null; state.offset = 0; }

  window.MusicAudio = {context, load, peaks, spectrogram, play, stop, seek, now, reset, voice,
    get playing() { return state.playing; }, get duration() { return state.buffer ? state.buffer.duration : 0; },
    setNotes(fn) { state.notes = fn; }, onChange(fn) { state.listeners.push(fn); },
    set playAudio(v) { state.playAudio = v; }, set playNotes(v) { state.playNotes = v; }};
})();
