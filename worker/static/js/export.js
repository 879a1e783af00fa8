// Export: pick a format (those this project's config cannot produce are disabled, with the
// reason), run it as a background job with progress, then download the file.
(function () {
  'use strict';
  const page = LA.pageData();
  const base = '/api/projects/' + page.project;
  const bar = document.getElementById('export-progress');
  const link = document.getElementById('export-download');
  const say = (msg, kind) => LA.say('export-status', msg, kind);

  function progress(done, total) {
    bar.hidden = false;
    const pct = total ? Math.min(100, Math.round(100 * done / total)) : 0;
    bar.setAttribute('aria-valuenow', String(pct));
    bar.firstElementChild.style.width = pct + '%';
  }

  async function loadFormats() {
    const formats = await LA.api('GET', base + '/export/formats');
    const box = document.getElementById('formats');
    box.replaceChildren(...formats.map((f, i) => {
      const id = 'fmt-' + f.name;
      return LA.el('div', {class: 'format' + (f.disabled ? ' disabled' : '')},
        LA.el('input', {type: 'radio', name: 'format', id, value: f.name, disabled: f.disabled,
          checked: i === 0 && !f.disabled}),
        LA.el('label', {for: id}, f.title),
        f.disabled ? LA.el('span', {class: 'muted small'}, ' — ' + f.reason) : null);
    }));
  }

  async function loadList() {
    const jobs = await LA.api('GET', base + '/exports');
    document.getElementById('export-list').replaceChildren(...jobs.slice(0, 10).map((j) => LA.el('li', {},
      '#' + j.id + ' ' + ((j.result && j.result.exportType) || '') + ' · ' + j.status + ' · ' + (j.created_at || '').slice(0, 19).replace('T', ' ') + ' ',
      j.status === 'completed' ? LA.el('a', {href: LA.url(j.download_url)}, 'download') : null)));
  }

  document.getElementById('export-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = document.querySelector('input[name="format"]:checked');
    if (!chosen) { say('Pick a format.', 'error'); return; }
    link.hidden = true;
    progress(0, 1);
    say('Exporting…');
    try {
      let job = await LA.api('POST', base + '/exports',
        {exportType: chosen.value, download_all_tasks: document.getElementById('all-tasks').checked});
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise((r) => setTimeout(r, 600));
        job = await LA.api('GET', base + '/exports/' + job.id);
        progress(job.progress || 0, job.total);
        say('Exporting… ' + (job.progress || 0) + (job.total ? ' / ' + job.total : '') + ' tasks');
      }
      if (job.status !== 'completed') throw new Error(job.error || 'the export ' + job.status);
      progress(1, 1);
      link.href = LA.url(job.download_url);
      link.hidden = false;
      say('Export ready.', 'ok');
      loadList();
    } catch (e) {
      bar.hidden = true;
      say('Export failed: ' + e.message, 'error');
    }
  });

  loadFormats().catch((e) => say(e.message, 'error'));
  loadList().catch(() => {});
})();
