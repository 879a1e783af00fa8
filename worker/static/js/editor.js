// Mounting the Label Studio Frontend 1.8.0 editor (global `LabelStudio` from /static/lsf/js/main.js).
// One editor per page at a time: mount() destroys the previous one first.
(function () {
  'use strict';
  let current = null;

  // Interfaces (as of 1.4.0, still so in 1.8.0): Submit/Update buttons only render with "topbar"; "instruction" is left
  // out on purpose: the editor would render the project's instructions as raw HTML.
  const LABEL_INTERFACES = ['panel', 'update', 'submit', 'skip', 'controls', 'topbar', 'infobar',
    'side-column', 'annotations:menu', 'annotations:current', 'annotations:add-new',
    'predictions:menu', 'predictions:tabs', 'edit-history'];
  const REVIEW_INTERFACES = ['panel', 'controls', 'topbar', 'side-column', 'annotations:current',
    'edit-history', 'infobar'];

  function toEditorTask(task, annotations, predictions) {
    return {
      id: task.id,
      data: task.data,
      annotations: (annotations || []).map((a) => ({id: String(a.id), pk: String(a.id), result: a.result,
        createdBy: a.completed_by_username || a.completed_by, createdAgo: a.created_at,
        leadTime: a.lead_time, wasCancelled: a.was_cancelled})),
      predictions: (predictions || []).map((p) => ({id: 'p' + p.id, pk: String(p.id), result: p.result,
        score: p.score, model_version: p.model_version, createdBy: p.model_version || 'model'})),
    };
  }

  // opts: {root, config, task, user, interfaces, prefill, selectAnnotationPk, handlers...}
  function mount(opts) {
    unmount();
    const holder = document.createElement('div');
    holder.className = 'lsf-holder';
    opts.root.replaceChildren(holder);
    const settings = {
      config: opts.config,
      interfaces: opts.interfaces || LABEL_INTERFACES,
      // 1.8 keys users by `id` (1.4 used `pk`); give it both.
      user: Object.assign({id: opts.user && opts.user.pk}, opts.user),
      task: opts.task,
      onStorageInitialized: (ls) => {
        // Pre-labels: with no annotation yet, start from the best prediction (editable), as
        // Label Studio does; otherwise open the requested or the first annotation.
        const as = ls.annotationStore;
        let target = null;
        if (opts.selectAnnotationPk) target = as.annotations.find((a) => String(a.pk) === String(opts.selectAnnotationPk));
        if (!target && as.annotations.length) target = as.annotations[0];
        if (!target && opts.prefill !== false) {
          const preds = as.predictions.slice().sort((a, b) => (b.score || 0) - (a.score || 0));
          target = preds.length ? as.addAnnotationFromPrediction(preds[0]) : as.addAnnotation({userGenerate: true});
        }
        if (target) as.selectAnnotation(target.id);
        if (opts.onReady) opts.onReady(ls);
      },
      onSubmitAnnotation: (ls, annotation) => opts.onSubmit && opts.onSubmit(annotation),
      onUpdateAnnotation: (ls, annotation) => opts.onUpdate && opts.onUpdate(annotation),
      onSkipTask: () => opts.onSkip && opts.onSkip(),
    };
    current = new window.LabelStudio(holder, settings);
    return current;
  }

  function unmount() {
    if (current && current.destroy) {
      try { current.destroy(); } catch (e) { /* an editor that failed to load has nothing to unmount */ }
    }
    current = null;
  }

  function selected() {
    const store = window.Htx && window.Htx.annotationStore;
    return store ? store.selected : null;
  }

  window.LAEditor = {mount, unmount, selected, toEditorTask, LABEL_INTERFACES, REVIEW_INTERFACES};
})();
