// Members: add by username or email, change roles, remove. The API checks the caller is a manager.
(function () {
  'use strict';
  const page = LA.pageData();
  const base = '/api/projects/' + page.project + '/members';
  const say = (msg, kind) => LA.say('members-status', msg, kind);

  document.getElementById('add-member').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const who = document.getElementById('member-user').value.trim();
    const role = document.getElementById('member-role').value;
    if (!who) return;
    try {
      const user = who.includes('@') ? await findByEmail(who) : who;
      const added = await LA.api('POST', base, {user, role});
      say('Added ' + added.username + ' as ' + added.role + '.', 'ok');
      setTimeout(() => window.location.reload(), 600);
    } catch (e) { say(e.message, 'error'); }
  });

  // The members API takes a username or id; the page looks an email up first.
  async function findByEmail(email) {
    const resp = await LA.api('GET', '/projects/' + page.project + '/members/lookup?email=' + encodeURIComponent(email));
    return resp.id;
  }

  for (const select of document.querySelectorAll('.role-select')) {
    select.addEventListener('change', async () => {
      try {
        const saved = await LA.api('POST', base, {user: Number(select.dataset.user), role: select.value});
        say(saved.username + ' is now ' + saved.role + '.', 'ok');
      } catch (e) { say(e.message, 'error'); }
    });
  }
  for (const button of document.querySelectorAll('.remove-member')) {
    button.addEventListener('click', async () => {
      try {
        await LA.api('DELETE', base + '/' + button.dataset.user);
        button.closest('tr').remove();
        say('Removed.', 'ok');
      } catch (e) { say(e.message, 'error'); }
    });
  }
})();
