// Create a project from the template gallery: the config editor validates on the server as
// you type (errors shown inline) and the preview re-renders the editor with sample data.
(function () {
  'use strict';
  const gallery = LA.pageData('gallery-data');
  const samples = LA.pageData('sample-data');
  const byName = Object.fromEntries(gallery.map((t) => [t.name, t]));
  const textarea = document.getElementById('label-config');
  const errorBox = document.getElementById('config-error');
  const preview = document.getElementById('preview');
  const previewState = document.getElementById('preview-state');
  const form = document.getElementById('create-form');
  let chosen = null, timer = null, seq = 0, renders = 0, valid = false;

  // Sample task data for any config: the template's own sample, else one per object tag.
  function sampleFor(xml) {
    const data = Object.assign({}, chosen && byName[chosen] ? byName[chosen].sample : {});
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    for (const node of doc.querySelectorAll('[value^="$"]')) {
      const field = node.getAttribute('value').slice(1).split('.')[0];
      if (!(field in data) && samples[node.tagName]) data[field] = samples[node.tagName];
    }
    return data;
  }

  function renderPreview(xml) {
    previewState.textContent = '';
    try {
      LAEditor.mount({root: preview, config: xml, user: {pk: 0, firstName: 'Preview'},
        task: {id: 1, data: sampleFor(xml), annotations: [], predictions: []},
        interfaces: ['panel', 'controls', 'side-column', 'annotations:current'],
        onReady: () => { preview.dataset.ready = String(++renders); }});
    } catch (e) {
      previewState.textContent = '(the editor could not render this config)';
    }
  }

  async function validate() {
    const xml = textarea.value;
    const mine = ++seq;
    try {
      await LA.api('POST', '/api/projects/validate', {label_config: xml}, {});
      if (mine !== seq) return;
      valid = true;
      LA.say(errorBox, '');
      textarea.removeAttribute('aria-invalid');
      renderPreview(xml);
    } catch (e) {
      if (mine !== seq) return;
      valid = false;
      textarea.setAttribute('aria-invalid', 'true');
      LA.say(errorBox, e.message, 'error');
      previewState.textContent = '(fix the config to update the preview)';
    }
  }

  function choose(name) {
    chosen = name;
    if (byName[name]) textarea.value = byName[name].config;
    validate();
  }

  for (const radio of form.querySelectorAll('input[name="template"]')) {
    radio.addEventListener('change', () => { if (radio.checked) choose(radio.value); });
  }
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(validate, 350);
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const title = document.getElementById('title').value.trim();
    const body = {title: title || 'Untitled project', description: document.getElementById('description').value,
      label_config: textarea.value};
    LA.say('create-status', 'Creating…');
    try {
      const project = await LA.api('POST', '/api/projects', body);
      if (document.getElementById('add-sample').checked) {
        await LA.api('POST', '/api/projects/' + project.id + '/import', [{data: sampleFor(textarea.value)}]);
      }
      window.location.assign(LA.url('/projects/' + project.id + '/import'));
    } catch (e) {
      LA.say('create-status', '');
      LA.say(errorBox, e.message, 'error');
      textarea.setAttribute('aria-invalid', 'true');
      textarea.focus();
    }
  });

  const first = form.querySelector('input[name="template"]:checked');
  choose(first ? first.value : gallery[0].name);
  window.LACreate = {isValid: () => valid};
})();
