// The data manager: filters and orderings from a fixed set (the server refuses others),
// keyset pages, selection and bulk actions. Cells are filled with textContent only.
(function () {
  'use strict';
  const page = LA.pageData();
  const pid = page.project;
  const form = document.getElementById('dm-filters');
  const head = document.getElementById('dm-head');
  const body = document.getElementById('dm-body');
  const nextBtn = document.getElementById('dm-next');
  const prevBtn = document.getElementById('dm-prev');
  const FILTERS = ['status', 'annotator', 'label', 'score_min', 'score_max', 'q', 'order'];
  const IMAGE_RE = /^\/(data\/upload|static\/samples)\/[^?#]+\.(png|jpe?g|gif|webp|bmp)$/i;
  const state = {cursors: [null], selected: new Set(), rows: [], members: {}};
  const say = (msg, kind) => LA.say('dm-status', msg, kind);

  for (const m of page.members) state.members[m.id] = m.username;
  function fillSelect(id, items) {
    const select = document.getElementById(id);
    if (!select) return;
    for (const [value, label] of items) select.append(LA.el('option', {value}, label));
  }
  fillSelect('f-annotator', page.members.map((m) => [m.username, m.username]));
  fillSelect('f-label', page.labels.map((l) => [l, l]));
  fillSelect('assign-user', page.members.map((m) => [m.id, m.username + ' (' + m.role + ')']));

  // Filters live in the address bar too, so a filtered view can be shared or reloaded.
  const initial = new URLSearchParams(window.location.search);
  for (const name of FILTERS) {
    if (initial.has(name) && form.elements[name]) form.elements[name].value = initial.get(name);
  }

  function query(cursor) {
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value && !(name === 'order' && value === 'id')) params.set(name, value);
    }
    params.set('page_size', '50');
    if (cursor) params.set('cursor', cursor);
    return params;
  }

  function cellValue(value) {
    if (typeof value === 'string' && IMAGE_RE.test(value)) {
      return LA.el('img', {src: value, alt: '', loading: 'lazy', class: 'thumb'});
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const short = text && text.length > 140 ? text.slice(0, 140) + '…' : text;
    return LA.el('span', {title: text && text.length > 140 ? text.slice(0, 1000) : null}, short || '');
  }

  function statusOf(t) {
    if (t.is_labeled) return 'done';
    if (t.cancelled_annotations && !t.total_annotations) return 'skipped';
    if (t.total_annotations) return 'in progress';
    return 'not done';
  }

  function renderHead(columns) {
    const all = LA.el('input', {type: 'checkbox', 'aria-label': 'Select all tasks on this page', id: 'dm-all'});
    all.addEventListener('change', () => {
      for (const row of state.rows) { if (all.checked) state.selected.add(row.id); else state.selected.delete(row.id); }
      for (const box of body.querySelectorAll('input[type=checkbox]')) box.checked = all.checked;
      updateSelection();
    });
    head.replaceChildren(LA.el('th', {scope: 'col', class: 'sel'}, all), LA.el('th', {scope: 'col'}, 'ID'),
      ...columns.map((c) => LA.el('th', {scope: 'col'}, c)),
      ...['Status', 'Annotators', 'Score', 'Agreement', 'Review', 'Assigned'].map((c) => LA.el('th', {scope: 'col'}, c)));
  }

  function renderRows(tasks, columns) {
    body.replaceChildren(...tasks.map((t) => {
      const box = LA.el('input', {type: 'checkbox', 'aria-label': 'Select task ' + t.id, checked: state.selected.has(t.id)});
      box.addEventListener('change', () => { if (box.checked) state.selected.add(t.id); else state.selected.delete(t.id); updateSelection(); });
      const idCell = page.role === 'manager'
        ? LA.el('a', {href: LA.url('/projects/' + pid + '/label?task=' + t.id), title: 'Open in the editor'}, String(t.id))
        : String(t.id);
      const reviews = Object.entries(t.reviews).map(([k, v]) => k + ' ' + v).join(', ');
      return LA.el('tr', {'data-task-id': t.id},
        LA.el('td', {class: 'sel'}, box), LA.el('td', {class: 'num'}, idCell),
        ...columns.map((c) => LA.el('td', {class: 'data'}, cellValue(t.data[c]))),
        LA.el('td', {class: 'status-' + statusOf(t).replace(' ', '-')}, statusOf(t)),
        LA.el('td', {}, t.annotators.map((a) => a.username + (a.skipped ? ' (skipped)' : '')).join(', ')),
        LA.el('td', {class: 'num'}, t.prediction_score === null ? '' : t.prediction_score.toFixed(2)),
        LA.el('td', {class: 'num muted', title: 'Agreement is not computed yet'}, '—'),
        LA.el('td', {}, reviews),
        LA.el('td', {}, t.assignees.map((id) => state.members[id] || ('#' + id)).join(', ')));
    }));
  }

  function updateSelection() {
    const n = state.selected.size;
    document.getElementById('dm-selected').textContent = n + ' selected';
    for (const id of ['act-delete', 'act-export', 'act-assign', 'act-predict']) {
      const b = document.getElementById(id);
      if (b) b.disabled = n === 0;
    }
  }

  async function load(cursor) {
    const t0 = performance.now();
    say('');
    try {
      const data = await LA.api('GET', '/api/projects/' + pid + '/dm/tasks?' + query(cursor));
      state.rows = data.tasks;
      renderHead(data.columns);
      renderRows(data.tasks, data.columns);
      const ms = Math.round(performance.now() - t0);
      const timing = document.getElementById('dm-timing');
      timing.textContent = '· page in ' + ms + ' ms';
      timing.dataset.ms = String(ms);
      const total = data.total === null ? '' : (data.total_capped ? 'over ' + data.total : String(data.total));
      document.getElementById('dm-count').textContent = total + ' task' + (data.total === 1 ? '' : 's') +
        (data.total !== data.project_total ? ' match (of ' + data.project_total + ')' : '');
      state.next = data.next_cursor;
      nextBtn.disabled = !data.next_cursor;
      prevBtn.disabled = state.cursors.length <= 1;
      document.body.dataset.dmLoaded = String(Date.now());
    } catch (e) {
      say(e.message, 'error');
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params = query(null);
    params.delete('page_size');
    history.replaceState(null, '', '?' + params);
    state.cursors = [null];
    load(null);
  });
  form.addEventListener('reset', () => setTimeout(() => form.requestSubmit(), 0));
  nextBtn.addEventListener('click', () => { state.cursors.push(state.next); load(state.next); });
  prevBtn.addEventListener('click', () => { state.cursors.pop(); load(state.cursors[state.cursors.length - 1]); });

  // Bulk actions.
  const ids = () => Array.from(state.selected);
  const del = document.getElementById('act-delete');
  if (del) {
    let armed = null;
    del.addEventListener('click', async () => {
      // Two clicks instead of a modal dialog: "Delete" arms, "Confirm" deletes.
      if (!armed) {
        del.textContent = 'Confirm delete of ' + state.selected.size;
        armed = setTimeout(() => { armed = null; del.textContent = 'Delete'; }, 5000);
        return;
      }
      clearTimeout(armed); armed = null; del.textContent = 'Delete';
      try {
        const res = await LA.api('POST', '/api/projects/' + pid + '/dm/actions', {action: 'delete_tasks', task_ids: ids()});
        state.selected.clear(); updateSelection();
        await load(state.cursors[state.cursors.length - 1]);
        say('Deleted ' + res.tasks + ' task(s)', 'ok');
      } catch (e) { say(e.message, 'error'); }
    });
  }
  const assign = document.getElementById('act-assign');
  if (assign) {
    assign.addEventListener('click', async () => {
      const user = document.getElementById('assign-user').value;
      if (!user) { say('Pick someone to assign to.', 'error'); return; }
      try {
        const res = await LA.api('POST', '/api/projects/' + pid + '/dm/actions', {action: 'assign', task_ids: ids(), users: [Number(user)]});
        await load(state.cursors[state.cursors.length - 1]);
        say('Assigned ' + res.tasks + ' task(s)', 'ok');
      } catch (e) { say(e.message, 'error'); }
    });
  }
  document.getElementById('act-export').addEventListener('click', async () => {
    const fmt = document.getElementById('export-format').value;
    try {
      const resp = await LA.api('POST', '/api/projects/' + pid + '/dm/export', {task_ids: ids(), exportType: fmt}, {raw: true});
      if (!resp.ok) { const err = await resp.json(); throw new Error(err.detail || resp.statusText); }
      const name = (resp.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/);
      LA.download(await resp.blob(), name ? name[1] : 'export');
      say('Exported ' + state.selected.size + ' task(s) as ' + fmt, 'ok');
    } catch (e) { say(e.message, 'error'); }
  });

  // "Run predictions" only when the project has a model (the ML part's API answers a list).
  const predict = document.getElementById('act-predict');
  LA.api('GET', '/api/ml?project=' + pid).then((backends) => {
    const list = Array.isArray(backends) ? backends : (backends && backends.results) || [];
    if (list.length) predict.hidden = false;
  }).catch(() => { /* no ML part installed, or no model: the button stays hidden */ });
  predict.addEventListener('click', async () => {
    try {
      const job = await LA.api('POST', '/api/projects/' + pid + '/ml/predict', {task_ids: ids()});
      const jobId = job.id || job.job_id || job.job;
      say('Predicting…');
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        const s = await LA.api('GET', '/api/projects/' + pid + '/ml/jobs/' + jobId);
        if (['finished', 'completed', 'failed', 'error'].includes(s.status)) {
          say(s.status === 'failed' || s.status === 'error' ? 'Predictions failed: ' + (s.error || '') : 'Predictions done',
            s.status === 'failed' || s.status === 'error' ? 'error' : 'ok');
          break;
        }
        say('Predicting… ' + (s.progress || 0) + (s.total ? ' / ' + s.total : ''));
      }
      await load(state.cursors[state.cursors.length - 1]);
    } catch (e) { say(e.message, 'error'); }
  });

  load(null);
})();
