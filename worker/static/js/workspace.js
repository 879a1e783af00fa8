// The labeling workspace: next task from the stream, predictions as pre-labels, submit /
// update / skip with lead_time and an Idempotency-Key per submit, plus page shortcuts.
(function () {
  'use strict';
  const page = LA.pageData();
  const root = document.getElementById('editor');
  const done = document.getElementById('done');
  const info = document.getElementById('task-info');
  const prevBtn = document.getElementById('btn-prev');
  const state = {task: null, shownAt: 0, idem: null, pending: false, history: [], mine: null, opened: page.task_id};

  const say = (msg, kind) => LA.say('ws-status', msg, kind);
  // Seconds on this task, counted only while the tab is visible.
  let hiddenSince = null, hiddenTotal = 0;
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) hiddenSince = performance.now();
    else if (hiddenSince !== null) { hiddenTotal += performance.now() - hiddenSince; hiddenSince = null; }
  });
  const leadTime = () => Math.max(0, (performance.now() - state.shownAt - hiddenTotal) / 1000);

  function show(task, annotations, predictions) {
    state.task = task;
    state.shownAt = performance.now();
    hiddenTotal = 0;
    state.idem = LA.uid();  // one key per task shown: a retried submit cannot add a second annotation
    state.mine = (annotations || []).find((a) => a.completed_by === page.user.pk) || null;
    done.hidden = true;
    root.hidden = false;
    info.textContent = 'Task #' + task.id + (state.mine ? ' · your annotation #' + state.mine.id : '') +
      (predictions && predictions.length ? ' · ' + predictions.length + ' prediction(s)' : '');
    root.dataset.taskId = task.id;
    const named = (annotations || []).map((a) => Object.assign({}, a, {completed_by_username:
      a.completed_by === page.user.pk ? page.user.firstName : 'user #' + a.completed_by}));
    // Skipping is for tasks not yet done: an opened annotation can only be updated.
    const canSkip = page.show_skip && !state.mine;
    let interfaces = canSkip ? LAEditor.LABEL_INTERFACES : LAEditor.LABEL_INTERFACES.filter((i) => i !== 'skip');
    // The editor's Auto-Annotation switch turns smart tools into prompts for the interactive backend.
    if (page.interactive) interfaces = interfaces.concat(['auto-annotation']);
    const lsf = LAEditor.mount({
      root, config: page.label_config, user: page.user,
      task: LAEditor.toEditorTask(task, named, predictions), interfaces,
      selectAnnotationPk: state.mine && state.mine.id,
      onSubmit: submit, onUpdate: update, onSkip: skip,
      onReady: () => { root.dataset.ready = String(task.id); },
    });
    if (page.interactive) lsf.on('regionFinishedDrawing', (region, list) => suggest(task.id, region, list));
  }

  // Click-to-segment: a region drawn with a smart tool (dynamic) is sent as params.context, as
  // Label Studio does, and the answer comes back as suggestions to accept (or auto-accepted).
  function suggest(taskId, region, list) {
    if (!region || !region.dynamic) return;
    const annotation = LAEditor.selected();
    if (!annotation) return;
    const ids = new Set((list && list.length ? list : [region]).map((r) => r.cleanId || r.id));
    const result = annotation.serializeAnnotation().filter((r) => ids.has(r.id));
    root.dataset.suggesting = 'pending';
    const request = LA.api('POST', '/api/ml/' + page.interactive + '/interactive-annotating',
      {task: taskId, context: {result}})
      .then((resp) => { root.dataset.suggesting = 'done'; return resp; })
      .catch((e) => { say('No suggestion: ' + e.message, 'error'); root.dataset.suggesting = 'error'; return {}; });
    window.Htx.loadSuggestions(request, (resp) => (resp && resp.data ? resp.data.result : []));
  }

  function showDone() {
    LAEditor.unmount();
    state.task = null;
    root.hidden = true;
    root.dataset.ready = 'done';
    done.hidden = false;
    info.textContent = 'No task';
  }

  async function openTask(id) {
    const task = await LA.api('GET', '/api/tasks/' + id);
    const mine = page.role === 'manager' ? task.annotations : task.annotations.filter((a) => a.completed_by === page.user.pk);
    show(task, mine, task.predictions);
  }

  async function loadNext() {
    say('');
    try {
      if (state.opened) { const id = state.opened; state.opened = null; return await openTask(id); }
      try {
        const assigned = await LA.api('GET', '/api/projects/' + page.project + '/dm/assigned-next');
        return await openTask(assigned.id);
      } catch (e) { if (!(e instanceof LA.ApiError) || e.status !== 404) throw e; }
      const task = await LA.api('GET', '/api/projects/' + page.project + '/next');
      show(task, task.annotations, task.predictions);
    } catch (e) {
      if (e instanceof LA.ApiError && e.body.error === 'no_more_tasks') showDone();
      else say('Could not load a task: ' + e.message, 'error');
    }
  }

  function remember(taskId) {
    if (state.history[state.history.length - 1] !== taskId) state.history.push(taskId);
    prevBtn.disabled = false;
  }

  async function post(body) {
    const task = state.task;
    return LA.api('POST', '/api/tasks/' + task.id + '/annotations', body, {headers: {'Idempotency-Key': state.idem}});
  }

  async function submit(annotation) {
    if (state.mine) return update(annotation);
    if (state.pending || !state.task) return;
    state.pending = true;
    const body = {result: annotation.serializeAnnotation(), lead_time: leadTime()};
    if (annotation.parent_prediction) body.parent_prediction = Number(annotation.parent_prediction);
    try {
      const saved = await post(body);
      remember(state.task.id);
      say('Submitted annotation #' + saved.id, 'ok');
      root.dataset.lastAnnotation = saved.id;
      await loadNext();
      say('Submitted annotation #' + saved.id, 'ok');
    } catch (e) {
      // The same Idempotency-Key is kept, so pressing Submit/Update again is a safe retry.
      say('Not saved: ' + e.message + ' — press Update to retry', 'error');
    } finally { state.pending = false; }
  }

  async function update(annotation) {
    if (!state.mine) return submit(annotation);
    if (state.pending) return;
    state.pending = true;
    try {
      const saved = await LA.api('PATCH', '/api/annotations/' + state.mine.id,
        {result: annotation.serializeAnnotation(), lead_time: (state.mine.lead_time || 0) + leadTime()});
      state.mine = saved;
      state.shownAt = performance.now();
      hiddenTotal = 0;
      say('Updated annotation #' + saved.id, 'ok');
      root.dataset.lastAnnotation = saved.id;
    } catch (e) {
      say('Not updated: ' + e.message, 'error');
    } finally { state.pending = false; }
  }

  async function skip() {
    if (state.pending || !state.task || state.mine) return;
    state.pending = true;
    try {
      const saved = await post({result: [], was_cancelled: true, lead_time: leadTime()});
      remember(state.task.id);
      await loadNext();
      say('Skipped task #' + saved.task, 'ok');
    } catch (e) {
      say('Not skipped: ' + e.message, 'error');
    } finally { state.pending = false; }
  }

  async function previous() {
    const id = state.history.pop();
    prevBtn.disabled = state.history.length === 0;
    if (id) { try { await openTask(id); } catch (e) { say('Could not open task: ' + e.message, 'error'); } }
  }

  document.getElementById('btn-next').addEventListener('click', loadNext);
  prevBtn.addEventListener('click', previous);
  // Page shortcuts on Alt so they never collide with the editor's own (digits, letters, Ctrl+…).
  document.addEventListener('keydown', (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const key = ev.key.toLowerCase();
    if (key === 'n' || ev.code === 'KeyN') { ev.preventDefault(); loadNext(); }
    else if (key === 'p' || ev.code === 'KeyP') { ev.preventDefault(); if (!prevBtn.disabled) previous(); }
  });
  loadNext();
})();
