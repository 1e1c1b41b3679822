// storefront/account.js: the account view: who you are (GET /user/me)
// and a new password (PATCH /user/{id} with current_password). A new
// password ends every token of the user (docs/api.md), this tab's too, so
// the tab forgets its token and asks for a login with the new password.

import { api } from './api.js';
import { byId, busy } from './dom.js';
import { clearProblems, fieldError, showProblem } from './problems.js';
import { go } from './router.js';
import { session, sessionEnd } from './session.js';

async function load() {
  const panel = byId('account');
  clearProblems(panel);
  try {
    const { data } = await api('GET', '/user/me');
    byId('account-name').textContent = data.name;
    byId('account-email').textContent = data.email;
    byId('account-role').textContent = data.role === 'admin' ? 'Administrator' : 'Customer';
  } catch (problem) {
    showProblem(panel, problem);
  }
}

async function changePassword(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  const s = session();
  const current = form.elements.current_password.value;
  const password = form.elements.password.value;
  if (password !== form.elements.repeat.value) {
    fieldError(form, 'repeat', 'is not the same as the new password');
    form.elements.repeat.focus();
    return;
  }
  const email = byId('account-email').textContent || s.email;
  const changed = await busy(form.querySelector('button[type="submit"]'), async () => {
    try {
      await api('PATCH', `/user/${s.userId}`, {
        body: { password, current_password: current },
        contentType: 'application/merge-patch+json',
      });
      return true;
    } catch (problem) {
      showProblem(form, problem);
      // A wrong current password is a 403 naming it in its detail: the
      // note goes next to that field too.
      if (problem.status === 403) {
        fieldError(form, 'current_password', 'is not your password');
        form.elements.current_password.focus();
      }
      return false;
    }
  });
  if (!changed) return;
  form.reset();
  sessionEnd();
  byId('login-email').value = email;
  go('/login', 'Your password is changed and every session of yours has ended: log in with the new password.');
}

export function init() {
  byId('password-form').addEventListener('submit', changePassword);
}

export function show() {
  return load();
}
