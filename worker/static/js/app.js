// Shared helpers for Label.Art pages: JSON calls with the CSRF token, safe DOM building.
// Everything user-supplied goes into the page through textContent or attributes, never innerHTML.
(function () {
  'use strict';
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  // The prefix the service is mounted under (/label behind Apache, '' when served at the root),
  // read from this script's own address so no page has to pass it.
  const root = (function () {
    const src = document.currentScript && document.currentScript.src;
    const path = src ? new URL(src, window.location.href).pathname : '';
    const at = path.lastIndexOf('/static/js/app.js');
    return at > 0 ? path.slice(0, at) : '';
  })();

  // A root-relative path of the service ('/api/...', '/projects/...') made to work under the prefix.
  function url(path) {
    if (!root || typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) return path;
    return path === root || path.startsWith(root + '/') ? path : root + path;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.error)) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = Object.assign({'Accept': 'application/json'}, opts.headers || {});
    if (method !== 'GET') headers['X-CSRFToken'] = csrf();
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    const resp = await fetch(url(path), {method, headers, body: payload, credentials: 'same-origin'});
    if (opts.raw) return resp;
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = {detail: text.slice(0, 300)}; }
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }

  // el('td', {class: 'x', 'data-id': 3}, 'text', otherNode)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pageData(id) {
    const node = document.getElementById(id || 'page-data');
    return node ? JSON.parse(node.textContent) : {};
  }

  // A status line: kind is 'info' | 'error' | 'ok'. Errors are announced to screen readers.
  function say(target, message, kind) {
    const node = typeof target === 'string' ? document.getElementById(target) : target;
    if (!node) return;
    node.textContent = message || '';
    node.className = 'status ' + (kind || 'info');
    node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    node.hidden = !message;
  }

  // Random ids that also work on plain-http LAN installs (crypto.randomUUID needs a secure context).
  function uid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  function download(blob, filename) {
    const a = el('a', {href: URL.createObjectURL(blob), download: filename});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  window.LA = {api, ApiError, el, pageData, say, uid, download, csrf, url, root};
})();
