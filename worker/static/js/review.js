// The review queue: accept, reject with a comment, or fix (edit in the editor, then save).
// The same page drives the Label Studio editor (review.html) and the music views (music_review.html).
(function () {
  'use strict';
  const page = LA.pageData();
  const root = document.getElementById('editor');
  const form = document.getElementById('review-form');
  const comment = document.getElementById('review-comment');
  const info = document.getElementById('review-info');
  const state = {item: null, after: 0, busy: false};
  const say = (msg, kind) => LA.say('review-status', msg, kind);

  async function loadNext() {
    try {
      const item = await LA.api('GET', '/api/projects/' + page.project + '/review/next?after=' + state.after);
      state.item = item;
      const ann = item.annotation;
      comment.value = '';
      form.hidden = false;
      root.hidden = false;
      document.getElementById('done').hidden = true;
      info.textContent = 'Annotation #' + ann.id + ' on task #' + item.task.id + ' by ' +
        (ann.completed_by_username || 'unknown') +
        (ann.lead_time ? ' · ' + ann.lead_time.toFixed(1) + ' s' : '') +
        ' · ' + item.remaining + (item.remaining_capped ? '+' : '') + ' waiting';
      root.dataset.annotationId = ann.id;
      LAEditor.mount({
        root, config: page.label_config, user: page.user, interfaces: LAEditor.REVIEW_INTERFACES,
        task: LAEditor.toEditorTask(item.task, [ann], item.predictions), selectAnnotationPk: ann.id,
        prefill: false, onReady: () => { root.dataset.ready = String(ann.id); },
        // The music editor (music_review.html) shows the annotation read-only until "Edit to fix";
        // the Label Studio editor ignores both options.
        readOnly: true, statusId: 'review-status',
      });
    } catch (e) {
      if (e instanceof LA.ApiError && e.body.error === 'no_more_reviews') {
        LAEditor.unmount();
        state.item = null;
        form.hidden = true;
        root.hidden = true;
        root.dataset.ready = 'done';
        document.getElementById('done').hidden = false;
        info.textContent = 'Queue empty';
      } else say('Could not load the queue: ' + e.message, 'error');
    }
  }

  async function verdict(action) {
    if (!state.item || state.busy) return;
    const body = {action, comment: comment.value};
    if (action === 'reject' && !comment.value.trim()) {
      say('Write a comment saying what is wrong before rejecting.', 'error');
      comment.focus();
      return;
    }
    if (action === 'fix') {
      const selected = LAEditor.selected();
      if (!selected) return;
      body.result = selected.serializeAnnotation();
    }
    state.busy = true;
    try {
      const saved = await LA.api('POST', '/api/annotations/' + state.item.annotation.id + '/review', body);
      await loadNext();
      say('Annotation #' + saved.id + ' ' + saved.review_status, 'ok');
    } catch (e) {
      say('Not recorded: ' + e.message, 'error');
    } finally { state.busy = false; }
  }

  function later() {
    if (!state.item) return;
    state.after = state.item.annotation.id;
    loadNext();
  }

  document.getElementById('btn-accept').addEventListener('click', () => verdict('accept'));
  document.getElementById('btn-reject').addEventListener('click', () => verdict('reject'));
  document.getElementById('btn-fix').addEventListener('click', () => verdict('fix'));
  document.getElementById('btn-later').addEventListener('click', later);
  document.addEventListener('keydown', (ev) => {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const map = {KeyA: () => verdict('accept'), KeyR: () => verdict('reject'), KeyF: () => verdict('fix'), KeyL: later};
    if (map[ev.code]) { ev.preventDefault(); map[ev.code](); }
  });
  loadNext();
})();
