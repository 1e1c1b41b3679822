// storefront/auth.js: the login and signup views. A login keeps the token
// (session.js) and asks GET /user/me for the name to greet; a signup
// (POST /user) logs the new customer in at once.

import { api } from './api.js';
import { byId, busy } from './dom.js';
import { clearProblems, showProblem } from './problems.js';
import { go } from './router.js';
import { sessionEnd, sessionStart, sessionUpdate } from './session.js';

// logIn(email, password): the login, then who it is; resolves with the
// session's role, rejects with the login's Problem.
async function logIn(email, password) {
  const { data } = await api('POST', '/user/login', { body: { email, password }, noToken: true });
  const s = sessionStart(data);
  try {
    const me = await api('GET', '/user/me');
    sessionUpdate({ name: me.data.name, email: me.data.email });
  } catch (problem) {
    // Logged in all the same: the header says "user N" instead of a name.
    if (problem.status === 401) throw problem;
  }
  return s.role;
}

async function submitLogin(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  await busy(form.querySelector('button[type="submit"]'), async () => {
    try {
      await logIn(form.elements.email.value, form.elements.password.value);
      form.elements.password.value = '';
      go('/');
    } catch (problem) {
      sessionEnd();
      showProblem(form, problem);
      if (!form.querySelector('[aria-invalid="true"]')) form.elements.password.focus();
    }
  });
}

async function submitSignup(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  const body = {
    name: form.elements.name.value,
    email: form.elements.email.value,
    password: form.elements.password.value,
  };
  await busy(form.querySelector('button[type="submit"]'), async () => {
    try {
      await api('POST', '/user', { body, noToken: true });
    } catch (problem) {
      showProblem(form, problem);
      return;
    }
    try {
      await logIn(body.email, body.password);
      form.reset();
      go('/shop', `Welcome, ${body.name.trim()}: your account is ready.`);
    } catch {
      sessionEnd();
      form.reset();
      byId('login-email').value = body.email;
      go('/login', 'Your account is ready: log in.');
    }
  });
}

export function init() {
  byId('login-form').addEventListener('submit', submitLogin);
  byId('signup-form').addEventListener('submit', submitSignup);
}

// showLogin(section), showSignup(section): nothing to load.
export function showLogin() {}
export function showSignup() {}
