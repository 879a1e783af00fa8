// Import: drag-and-drop or pick files (or give a URL). Task files alone run as a background
// job whose progress is polled; media uploads show the upload's own progress. Server errors
// (e.g. "task 3: ...") are shown as they come.
(function () {
  'use strict';
  const page = LA.pageData();
  const zone = document.getElementById('drop-zone');
  const input = document.getElementById('import-files');
  const list = document.getElementById('file-list');
  const bar = document.getElementById('import-progress');
  const button = document.getElementById('import-btn');
  const DATA_RE = /\.(json|jsonl|csv|tsv)$/i;
  let files = [];
  const say = (msg, kind) => LA.say('import-status', msg, kind);

  function progress(done, total) {
    bar.hidden = false;
    const pct = total ? Math.min(100, Math.round(100 * done / total)) : null;
    bar.setAttribute('aria-valuenow', pct === null ? '0' : String(pct));
    bar.classList.toggle('indeterminate', pct === null);
    bar.firstElementChild.style.width = (pct === null ? 100 : pct) + '%';
  }

  function setFiles(picked) {
    files = Array.from(picked);
    list.replaceChildren(...files.map((f) => LA.el('li', {}, f.name + ' · ' + Math.ceil(f.size / 1024) + ' KB')));
  }

  zone.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } });
  zone.addEventListener('click', (ev) => { if (ev.target === zone) input.click(); });
  for (const name of ['dragenter', 'dragover']) {
    zone.addEventListener(name, (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  }
  for (const name of ['dragleave', 'drop']) zone.addEventListener(name, () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => { ev.preventDefault(); setFiles(ev.dataTransfer.files); });
  input.addEventListener('change', () => setFiles(input.files));

  // XHR rather than fetch: it reports upload progress.
  function upload(url, formData) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('X-CSRFToken', LA.csrf());
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) progress(ev.loaded, ev.total); };
      xhr.onload = () => {
        let data = {};
        try { data = JSON.parse(xhr.responseText || '{}'); } catch (e) { data = {detail: xhr.responseText.slice(0, 300)}; }
        if (xhr.status >= 400) reject(new LA.ApiError(xhr.status, data)); else resolve({status: xhr.status, data});
      };
      xhr.onerror = () => reject(new Error('the upload was interrupted'));
      xhr.send(formData);
    });
  }

  async function poll(jobUrl) {
    for (;;) {
      const job = await LA.api('GET', jobUrl);
      progress(job.progress || 0, job.total);
      if (job.status === 'completed') return job;
      if (job.status === 'failed') throw new Error(job.error || 'the import failed');
      say('Importing… ' + (job.progress || 0) + ' tasks so far');
      await new Promise((r) => setTimeout(r, 700));
    }
  }

  document.getElementById('import-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const url = document.getElementById('import-url').value.trim();
    if (!files.length && !url) { say('Choose files to import, or give a URL.', 'error'); return; }
    button.disabled = true;
    say('Uploading…');
    progress(0, 1);
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    if (!files.length) form.append('url', url);
    const background = files.length && files.every((f) => DATA_RE.test(f.name));
    try {
      const res = await upload(LA.url('/api/projects/' + page.project + '/import' + (background ? '?async=true' : '')), form);
      let count = res.data.task_count;
      if (res.status === 202) {
        say('Import queued…');
        const job = await poll(res.data.url);
        count = job.result && job.result.task_count !== undefined ? job.result.task_count : job.progress;
      }
      progress(1, 1);
      say('Imported ' + count + ' task' + (count === 1 ? '' : 's') + '.', 'ok');
      setFiles([]);
      input.value = '';
    } catch (e) {
      bar.hidden = true;
      say('Import failed: ' + e.message, 'error');
    } finally { button.disabled = false; }
  });
})();
