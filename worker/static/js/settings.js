// Settings: one PATCH with the changed fields; the server's error (e.g. a bad config) is shown inline.
(function () {
  'use strict';
  const page = LA.pageData();
  const form = document.getElementById('settings-form');
  const say = (msg, kind) => LA.say('settings-status', msg, kind);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      title: form.elements.title.value,
      description: form.elements.description.value,
      overlap: Number(form.elements.overlap.value),
      sampling: form.elements.sampling.value,
      show_skip_button: form.elements.show_skip_button.checked,
      expert_instruction: form.elements.expert_instruction.value,
      label_config: form.elements.label_config.value,
    };
    if (!Number.isInteger(body.overlap) || body.overlap < 1) { say('Overlap must be a whole number from 1.', 'error'); return; }
    LA.say('s-config-error', '');
    try {
      await LA.api('PATCH', '/api/projects/' + page.project, body);
      say('Saved.', 'ok');
    } catch (e) {
      if (e.body.error === 'invalid_label_config') {
        form.querySelector('details').open = true;
        LA.say('s-config-error', e.message, 'error');
      }
      say('Not saved: ' + e.message, 'error');
    }
  });
})();
