// storefront/problems.js: a Problem (api.js) in words on the page. A
// validation problem (400 or 422 with "errors") puts each reason next to
// the control of the field it names, and the control is marked invalid
// and described by it (aria-invalid, aria-describedby); every other
// problem, and a field the form has no control for, is a message at the
// top of the form or view (role="alert", so a screen reader says it).

import { el, setText } from './dom.js';

// The names the API gives fields the forms have no control for.
const fieldNames = {
  user_id: 'Your account',
  currency: 'Currency',
  items: 'The basket',
  sku: 'SKU',
};

// sentence(text): text as a sentence of its own: capital, full stop.
function sentence(text) {
  const t = end(text);
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}

// end(text): text with a full stop, for after a "Conflict: ".
function end(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

// again(problem): the wait Retry-After asks for, in words.
function again(problem) {
  const n = problem.retryAfter;
  if (n === null || n === undefined) return 'Try again in a moment.';
  return n <= 1 ? 'Try again in 1 second.' : `Try again in ${n} seconds.`;
}

// problemText(problem): the message for a problem, in words: what the
// status means to the user, then the API's detail.
export function problemText(problem) {
  const detail = end(problem.detail);
  switch (problem.status) {
    case 0:
    case 401:
      return sentence(problem.detail) || 'Log in first.';
    case 400:
    case 422:
      return problem.errors.length
        ? 'Some fields need a change: see the notes next to them.'
        : sentence(problem.detail) || 'The request was refused.';
    case 403:
      return `Not allowed: ${detail || 'your account may not do this.'}`;
    case 404:
      return `Not found: ${detail || 'it no longer exists.'}`;
    case 409:
      return `Conflict: ${detail || 'this clashes with what is stored.'}`;
    case 412:
      return `Someone changed this since it was loaded (${problem.detail || 'a precondition failed'}). `
        + 'It has been loaded again: check it, then try again.';
    case 428:
      return 'The server wants to know which version you changed: load the page again, then retry.';
    case 429:
      // The login throttle's detail ends with its own "; try again in N s":
      // the wait is said once, from Retry-After.
      return `Too many attempts: ${end(problem.detail.replace(/;\s*try again in \d+ s\.?$/, '')) || 'slow down.'} ${again(problem)}`;
    case 503:
      return `Not available right now: ${detail || 'the service is not answering.'} ${again(problem)}`;
    case 507:
      return `The shop cannot store anything right now: ${detail || 'its disk is full.'}`;
    default:
      return `${problem.title || `Error ${problem.status}`}: ${detail || 'the request failed.'}`;
  }
}

// control(form, field): the control, or the element, that stands for an
// API field in form: by name ("email", "items[0].quantity") or by a
// data-field attribute.
function control(form, field) {
  for (const node of form.querySelectorAll('[name], [data-field]')) {
    if (node.getAttribute('name') === field || node.getAttribute('data-field') === field) return node;
  }
  return null;
}

// clearProblems(form): take every message and mark of an earlier problem
// away.
export function clearProblems(form) {
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  for (const node of form.querySelectorAll('[aria-invalid]')) {
    node.removeAttribute('aria-invalid');
    const ids = (node.getAttribute('aria-describedby') || '').split(' ')
      .filter((id) => id && !id.endsWith('-error'));
    if (ids.length) node.setAttribute('aria-describedby', ids.join(' '));
    else node.removeAttribute('aria-describedby');
  }
  const message = form.querySelector('.form-message');
  if (message) setText(message, '');
}

// fieldError(form, field, reason): reason next to the field's control;
// false when the form has none.
export function fieldError(form, field, reason) {
  const node = control(form, field);
  if (!node) return false;
  const id = `${node.id || field.replace(/[^A-Za-z0-9_-]/g, '-')}-error`;
  let note = document.getElementById(id);
  if (!note) {
    note = el('p', { class: 'field-error', id });
    node.insertAdjacentElement('afterend', note);
  }
  note.textContent = sentence(reason);
  node.setAttribute('aria-invalid', 'true');
  const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!ids.includes(id)) node.setAttribute('aria-describedby', [...ids, id].join(' '));
  return true;
}

// showProblem(form, problem): a problem on the form (or any element with
// a .form-message inside): the fields' reasons next to them, the rest as
// its message. The first invalid control gets the focus.
export function showProblem(form, problem) {
  clearProblems(form);
  const rest = [];
  for (const e of problem.errors) {
    if (!e || typeof e.field !== 'string') continue;
    if (!fieldError(form, e.field, e.reason)) {
      const name = fieldNames[e.field] || e.field;
      rest.push(`${name}: ${e.reason}`);
    }
  }
  const text = [problemText(problem), ...rest.map(end)].join(' ');
  const message = form.querySelector('.form-message');
  if (message) setText(message, text);
  const invalid = form.querySelector('[aria-invalid="true"]');
  if (invalid && typeof invalid.focus === 'function') invalid.focus();
}

// showMessage(form, text): a message of the page's own (not the API's).
export function showMessage(form, text) {
  const message = form.querySelector('.form-message');
  if (message) setText(message, text);
}
