// tests/browser/journeys.mjs: the storefront's journeys in Debian's
// Chromium (headless), driven by playwright-core, against a running
// stack. Run by tests/browser/browser.test, which starts the stack, makes
// the admin, and stops and starts services when asked (below); alone it
// would wait for an answer to its first "@control" line.
//
// The journeys, in order (each step checks what the page shows; a step
// that fails ends its journey, the rest of which is reported not run):
//   0. the files: / and each file of the page with its type, the strict
//      Content-Security-Policy and the other headers; the policy refuses
//      an inline script and an inline style in the browser;
//   1. the admin, by keyboard only (Tab, typing, Enter): logs in, goes to
//      the price list, adds a product; then with the mouse: adds and
//      changes products, a 422 shown next to its field, a 412 when
//      someone else changed the product meanwhile;
//   2. the customer: signs up (a 422 with a message next to each field, a
//      409 for a taken email), browses the price list, fills the basket,
//      places orders (with an Idempotency-Key), sees them, cancels a
//      pending one, changes the password (a wrong current password shown
//      next to its field), logs in again and logs out (the old token is
//      refused);
//   3. the admin's orders: every order, moved paid, shipped, delivered; a
//      412 for an order someone moved meanwhile; an order cancelled
//      because its user deleted the account reads as such, and the filter
//      of deleted accounts finds it;
//   4. a phone-sized window: the shop and the orders with no sideways
//      scrolling, the tables read as cards;
//   5. a wrong password: its message, then the account's 429 with the
//      seconds of its Retry-After;
//   6. the user service down: a customer the order service has not heard
//      of yet (signed up while the order service was stopped) is refused
//      with a 503 and nothing is written; once the user service is back
//      the same basket is placed with the same Idempotency-Key;
//   7. every control has a label; no console error, uncaught exception,
//      CSP violation, failed file or request to another origin on any
//      page.
//
// Environment: BASE (the stack's URL), ADMIN_EMAIL and ADMIN_PASSWORD,
// SCREENSHOTS (a folder), TOOLS (tests/tools, whose node_modules has
// playwright-core), CHROMIUM (the browser). Output: "ok - ..." or
// "not ok - ..." per check, "#" lines of detail, "@control stop user"
// (and start, and order) when a service must stop or start, and at the
// end "N passed, M failed".

import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.log(`not ok - the environment names ${name}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  return v;
}

const BASE = need('BASE').replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const ADMIN_EMAIL = need('ADMIN_EMAIL');
const ADMIN_PASSWORD = need('ADMIN_PASSWORD');
const SCREENSHOTS = need('SCREENSHOTS');
const require = createRequire(path.join(need('TOOLS'), 'package.json'));
const { chromium } = require('playwright-core');

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
  + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const ADA = { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' };
const ADA_NEW_PASSWORD = 'a better horse battery';

// --- checks -----------------------------------------------------------------

let passed = 0;
let failed = 0;
const started = performance.now();
let lastPage = null;

function report(ok, desc, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${desc}`);
  if (detail) console.log(String(detail).split('\n').map((l) => `#   ${l}`).join('\n'));
}

// journey(name, fn): fn(step) runs the journey's steps; step(desc, fn)
// runs one check (fn throws to fail; it may return a detail in words).
// After a failure the journey's later steps are reported, not run.
async function journey(name, fn) {
  let broken = null;
  const step = async (desc, check) => {
    if (broken) {
      report(false, `${name}: ${desc}`, `not run: "${broken}" failed`);
      return undefined;
    }
    try {
      const detail = await check();
      report(true, `${name}: ${desc}${typeof detail === 'string' && detail ? ` (${detail})` : ''}`);
      return detail;
    } catch (e) {
      broken = desc;
      report(false, `${name}: ${desc}`, e && e.stack ? e.message : e);
      await failureShot(`${name}-${desc}`);
      return undefined;
    }
  };
  try {
    await fn(step);
  } catch (e) {
    report(false, `${name}: the journey ran to its end`, e && e.stack ? e.stack : e);
  }
}

async function failureShot(what) {
  if (!lastPage || lastPage.isClosed()) return;
  const file = path.join(SCREENSHOTS, `failed-${what.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.png`);
  try {
    await lastPage.screenshot({ path: file, fullPage: true });
    console.log(`#   the page then: ${file}`);
  } catch {
    // No screenshot: the check's own message says what failed.
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// until(what, fn, ms): poll fn until it returns true (or an object with
// ok true); the last value it returned goes in the error.
async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last === true || (last && last.ok === true)) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; last seen: ${JSON.stringify(last)}`);
    await sleep(50);
  }
}

function matches(text, want) {
  return want instanceof RegExp ? want.test(text) : text.includes(want);
}

// textOf(page, selector): the text the first match shows, '' when there
// is none or it is not shown (hidden, or empty and so of no size).
async function textOf(page, selector) {
  const loc = page.locator(selector).first();
  if (!(await loc.count()) || !(await loc.isVisible())) return '';
  return (await loc.innerText()).replace(/\s+/g, ' ').trim();
}

// sees(page, selector, want): wait until the element shows want (a
// string it contains, or a RegExp); resolves with its text.
async function sees(page, selector, want, ms = 10000) {
  let t = '';
  await until(`${selector} shows ${want}`, async () => {
    t = await textOf(page, selector);
    return matches(t, want) ? true : t;
  }, ms);
  return t;
}

// heading(page, text): the shown view's heading is text.
function heading(page, text) {
  return until(`the view's heading is "${text}"`, async () => {
    const h = page.locator('section.view:not([hidden]) h1');
    if ((await h.count()) !== 1) return `${await h.count()} views shown`;
    const t = (await h.innerText()).trim();
    return t === text ? true : t;
  });
}

// fieldNote(page, inputSelector, want): the input is marked invalid and
// described by the note right after it, which says want.
async function fieldNote(page, input, want) {
  return until(`a note next to ${input}`, () => page.evaluate(([sel, w]) => {
    const node = document.querySelector(sel);
    if (!node) return `no ${sel}`;
    const note = node.nextElementSibling;
    if (!note || !note.classList.contains('field-error')) return 'no note right after the field';
    const ids = (node.getAttribute('aria-describedby') || '').split(' ');
    if (node.getAttribute('aria-invalid') !== 'true') return 'the field is not aria-invalid';
    if (!ids.includes(note.id)) return 'the field is not described by its note';
    return note.textContent.includes(w) ? { ok: true, text: note.textContent } : note.textContent;
  }, [input, want]));
}

// tabTo(page, selector, key): press Tab (or Shift+Tab) until the focus is
// on selector; the keyboard alone, never a click.
async function tabTo(page, selector, key = 'Tab', max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return i + 1;
  }
  throw new Error(`${key} ${max} times never reached ${selector}`);
}

// call(method, path, {token, body, headers}): the API from outside the
// browser (another client, another admin).
async function call(method, p, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  return { status: res.status, headers: res.headers, data, text };
}

async function login(email, password) {
  const r = await call('POST', '/user/login', { body: { email, password } });
  assert(r.status === 200, `login of ${email}: ${r.status} ${r.text}`);
  return r.data;
}

// tokenOf(page): the token the page holds (sessionStorage), or null.
function tokenOf(page) {
  return page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('microshop.session') || 'null');
    return s ? s.token : null;
  });
}

// --- the service control (browser.test) -----------------------------------

const input = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function control(what) {
  console.log(`@control ${what}`);
  const { value, done } = await input.next();
  assert(!done && value === 'done', `${what}: ${done ? 'no answer' : value}`);
}

// --- the browser ------------------------------------------------------------

// Debian's Chromium, headless. Playwright gives each launch a new, empty
// profile folder (its --user-data-dir) and passes most of these flags
// itself; they are said here so that nothing reaches for Google's hosts
// (sync, component updates, background networking, QUIC probes).
// --no-sandbox: the test runs as root on CI, where Chromium's sandbox
// refuses to start; the pages are the shop's own, on loopback.
const browser = await chromium.launch({
  executablePath: need('CHROMIUM'),
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// What went wrong in any page, for journey 7.
const trouble = [];
const offsite = [];
const contexts = [];

// open(name, options): a new browser context (its own sessionStorage: a
// tab of its own) and page, watched for console errors, uncaught
// exceptions, CSP violations, files that fail and requests that leave
// the origin (which are refused).
async function open(name, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }, serviceWorkers: 'block', ...options,
  });
  contexts.push(context);
  await context.route((url) => url.origin !== ORIGIN, (route) => {
    offsite.push(`${name}: ${route.request().url()}`);
    return route.abort();
  });
  // Injected by the browser itself (not a script of the page, so the CSP
  // does not apply to it): every violation the page meets.
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`);
    });
  });
  const page = await context.newPage();
  // An action waits 10 s at most for its element, a page 15 s for its
  // files (the machine may be busy with other tests): a broken page fails
  // fast, and a journey stops at its first failure.
  page.setDefaultTimeout(10000);
  page.setDefaultNavigationTimeout(15000);
  page.on('console', (msg) => {
    const t = msg.text();
    // The browser's own line for each answer of 4xx or 5xx: the API's
    // problems are part of the journeys; the page's files are watched
    // below instead.
    if (/^Failed to load resource: the server responded with a status of \d+/.test(t)) return;
    if (msg.type() === 'error' || msg.type() === 'warning' || /Content.Security.Policy/i.test(t)) {
      trouble.push(`${name}: console ${msg.type()}: ${t}`);
    }
  });
  page.on('pageerror', (e) => trouble.push(`${name}: uncaught: ${e.message}`));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.origin === ORIGIN && !/^\/(user|order)(\/|$)/.test(u.pathname) && r.status() >= 400) {
      trouble.push(`${name}: ${r.status()} for the file ${u.pathname}`);
    }
  });
  lastPage = page;
  return page;
}

async function violations(page) {
  return page.evaluate(() => window.cspViolations || []);
}

// unlabelled(page): the controls of the page without a name a screen
// reader can say (a label, aria-label, or a button's text).
function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => {
      const labels = c.labels ? [...c.labels].map((l) => l.textContent.trim()).join('') : '';
      const own = c.tagName === 'BUTTON' ? c.textContent.trim() : '';
      return !labels && !own && !(c.getAttribute('aria-label') || '').trim();
    })
    .map((c) => c.outerHTML.slice(0, 100)));
}

async function labelled(page) {
  const bad = await unlabelled(page);
  assert(bad.length === 0, `controls without a label: ${bad.join(' | ')}`);
  return page.evaluate(() => `${document.querySelectorAll('input, select, textarea, button').length} controls`);
}

async function shot(page, name, options = {}) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, ...options });
}

// === 0. the files ===========================================================

await journey('files', async (step) => {
  await step('GET / is the storefront: 200 text/html with the strict CSP and the other headers', async () => {
    const r = await call('GET', '/');
    const h = (n) => r.headers.get(n);
    assert(r.status === 200, `status ${r.status}`);
    assert(h('content-type') === 'text/html; charset=utf-8', `Content-Type ${h('content-type')}`);
    assert(h('content-security-policy') === CSP, `Content-Security-Policy: ${h('content-security-policy')}`);
    assert(h('x-content-type-options') === 'nosniff', 'X-Content-Type-Options');
    assert(h('x-frame-options') === 'DENY', 'X-Frame-Options');
    assert(h('referrer-policy') === 'no-referrer', 'Referrer-Policy');
    assert(h('cache-control') === 'no-cache', `Cache-Control ${h('cache-control')}`);
    assert(/<script type="module" src="main.js"><\/script>/.test(r.text), 'index.html loads main.js');
    return `CSP: ${CSP.split(';').length} directives`;
  });
  await step('each file of the page has its type, the CSP and nosniff', async () => {
    const want = {
      '/index.html': 'text/html; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/main.js': 'text/javascript; charset=utf-8',
      '/api.js': 'text/javascript; charset=utf-8',
      '/favicon.svg': 'image/svg+xml; charset=utf-8',
    };
    for (const [p, type] of Object.entries(want)) {
      const r = await call('GET', p);
      assert(r.status === 200 && r.headers.get('content-type') === type,
        `${p}: ${r.status} ${r.headers.get('content-type')}`);
      assert(r.headers.get('content-security-policy') === CSP && r.headers.get('x-content-type-options') === 'nosniff',
        `${p}: headers`);
    }
    return `${Object.keys(want).length} files`;
  });
  await step('any other path is still nginx\'s 404 problem; a POST to / its 405 problem', async () => {
    for (const [method, p, status] of [['GET', '/nope.js', 404], ['GET', '/js/', 404], ['GET', '/.git/config', 404],
      ['GET', '/users', 404], ['POST', '/', 405]]) {
      const r = await call(method, p);
      assert(r.status === status && r.headers.get('content-type') === 'application/problem+json'
        && r.data && r.data.status === status, `${method} ${p}: ${r.status} ${r.headers.get('content-type')}`);
    }
  });
  await step('in the browser, the CSP refuses an inline event handler and an inline style', async () => {
    const page = await open('csp');
    await page.goto(`${BASE}/`);
    await heading(page, 'Log in');
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.setAttribute('onload', 'document.title = "inline script ran"');
      img.src = 'favicon.svg';
      const div = document.createElement('div');
      div.id = 'styled';
      div.setAttribute('style', 'color: rgb(255, 0, 0)');
      div.textContent = 'x';
      document.body.append(img, div);
    });
    await sleep(300);
    const title = await page.title();
    const color = await page.evaluate(() => getComputedStyle(document.getElementById('styled')).color);
    const v = await violations(page);
    assert(title === 'microshop', `the inline handler ran: title "${title}"`);
    assert(color !== 'rgb(255, 0, 0)', 'the inline style applied');
    assert(v.some((x) => x.startsWith('script-src')) && v.some((x) => x.startsWith('style-src')),
      `violations reported: ${v.join(', ')}`);
    await page.context().close();
    // This page's refusals were the point: they are not trouble.
    for (let i = trouble.length - 1; i >= 0; i--) if (trouble[i].startsWith('csp: ')) trouble.splice(i, 1);
    return v.join('; ');
  });
});

// === 1. the admin's price list ==============================================

const admin = await open('admin');
await journey('admin, price list', async (step) => {
  await step('the login view at /, its heading focused', async () => {
    await admin.goto(`${BASE}/`);
    await heading(admin, 'Log in');
    await until('the heading has the focus', () => admin.evaluate(() => document.activeElement.id === 'login-h'));
    await shot(admin, 'login');
  });
  await step('keyboard only: Tab to Email, type, Tab, type the password, Enter: the admin is in', async () => {
    const tabs = await tabTo(admin, '#login-email');
    await admin.keyboard.type(ADMIN_EMAIL);
    await admin.keyboard.press('Tab');
    assert(await admin.evaluate(() => document.activeElement.id === 'login-password'), 'Tab did not reach the password');
    await admin.keyboard.type(ADMIN_PASSWORD);
    await admin.keyboard.press('Enter');
    await heading(admin, 'All orders');
    await sees(admin, '#whoami', 'Signed in as Administrator');
    return `${tabs} Tab to the email`;
  });
  await step('keyboard only: Shift+Tab to the "Price list" link, Enter', async () => {
    const tabs = await tabTo(admin, 'a[href="#/admin/products"]', 'Shift+Tab');
    await admin.keyboard.press('Enter');
    await heading(admin, 'Price list');
    await sees(admin, '#admin-products-empty', 'No products yet.');
    return `${tabs} Shift+Tab`;
  });
  await step('keyboard only: the product form filled with Tab and typing, saved with Enter', async () => {
    await tabTo(admin, '#product-sku');
    await admin.keyboard.type('BOOK-1');
    await admin.keyboard.press('Tab');
    await admin.keyboard.type('A book');
    await admin.keyboard.press('Tab');
    await admin.keyboard.type('12.50');
    await admin.keyboard.press('Tab');
    assert(await admin.evaluate(() => document.activeElement.id === 'product-currency'
      && document.activeElement.value === 'EUR'), 'the currency field, EUR, after the price');
    await admin.keyboard.press('Tab');
    assert(await admin.evaluate(() => document.activeElement.id === 'product-active'
      && document.activeElement.checked), '"For sale", checked, after the currency');
    await tabTo(admin, '#product-save');
    await admin.keyboard.press('Enter');
    await sees(admin, '#notice', 'BOOK-1 is on the price list: A book, 12.50 EUR.');
    await sees(admin, 'tr[data-sku="BOOK-1"]', /BOOK-1 A book 12\.50 EUR Yes 1/);
  });
  await step('a second product with the mouse: PEN, 0.99 EUR', async () => {
    await admin.fill('#product-sku', 'PEN');
    await admin.fill('#product-name', 'A pen');
    await admin.fill('#product-price', '0.99');
    await admin.click('#product-save');
    await sees(admin, '#notice', 'PEN is on the price list: A pen, 0.99 EUR.');
    await sees(admin, 'tr[data-sku="PEN"]', /PEN A pen 0\.99 EUR Yes 1/);
  });
  await step('"Change PEN": the form holds it; a new price saved (If-Match) is version 2', async () => {
    await admin.getByRole('button', { name: 'Change PEN', exact: true }).click();
    await sees(admin, '#product-h', 'Change PEN (version 1)');
    assert(await admin.inputValue('#product-price') === '0.99', 'the form shows the price');
    assert(await admin.getAttribute('#product-sku', 'readonly') !== null, 'the sku cannot change');
    await admin.fill('#product-price', '1.20');
    await admin.click('#product-save');
    await sees(admin, '#notice', 'PEN is changed: A pen, 1.20 EUR.');
    await sees(admin, 'tr[data-sku="PEN"]', /PEN A pen 1\.20 EUR Yes 2/);
  });
  await step('a price that is no amount: the page says so next to the price, and sends nothing', async () => {
    await admin.fill('#product-sku', 'MUG');
    await admin.fill('#product-name', 'A mug');
    await admin.fill('#product-price', 'seven');
    const sent = [];
    const seen = (r) => { if (r.method() === 'PUT') sent.push(r.url()); };
    admin.on('request', seen);
    await admin.click('#product-save');
    await fieldNote(admin, '#product-price', 'Must be an amount such as 12.50.');
    admin.off('request', seen);
    assert(sent.length === 0, `sent ${sent.join(' ')}`);
  });
  await step('a 422 from the API: "eur" as the currency, its reason next to the currency field', async () => {
    await admin.fill('#product-price', '7.00');
    await admin.fill('#product-currency', 'eur');
    await admin.click('#product-save');
    const note = await fieldNote(admin, '#product-currency', 'Must be 3 upper-case letters (ISO 4217).');
    await sees(admin, '#product-form .form-message', 'Some fields need a change');
    assert(await admin.evaluate(() => !document.querySelector('#product-price[aria-invalid]')),
      'the price is no longer marked');
    return note.text;
  });
  await step('the currency corrected: MUG saved, the marks gone', async () => {
    await admin.fill('#product-currency', 'EUR');
    await admin.click('#product-save');
    await sees(admin, '#notice', 'MUG is on the price list: A mug, 7.00 EUR.');
    assert(await admin.locator('#product-form .field-error').count() === 0, 'a note is left');
  });
  await step('a 412: PEN changed by another admin after the form was filled; the page says so and reloads it', async () => {
    await admin.getByRole('button', { name: 'Change PEN', exact: true }).click();
    await sees(admin, '#product-h', 'Change PEN (version 2)');
    const other = await call('PUT', '/order/products/PEN', {
      token: await tokenOf(admin), headers: { 'If-Match': '"2"' },
      body: { name: 'A pen', unit_price_cents: 150, currency: 'EUR', active: true },
    });
    assert(other.status === 200, `the other admin's PUT: ${other.status}`);
    await admin.fill('#product-price', '1.30');
    await admin.click('#product-save');
    const msg = await sees(admin, '#product-form .form-message', 'Someone changed this since it was loaded');
    await sees(admin, '#product-h', 'Change PEN (version 3)');
    await sees(admin, 'tr[data-sku="PEN"]', /PEN A pen 1\.50 EUR Yes 3/);
    assert(await admin.inputValue('#product-price') === '1.50', 'the form holds the current price');
    return msg;
  });
  await step('every control of the price list has a label', async () => {
    await admin.click('#product-new');
    const n = await labelled(admin);
    await shot(admin, 'admin-products');
    return n;
  });
});

// === 2. the customer ========================================================

const ada = await open('customer');
const orderKeys = [];
ada.on('request', (r) => {
  if (r.method() === 'POST' && new URL(r.url()).pathname === '/order') orderKeys.push(r.headers()['idempotency-key']);
});
let adaOrders = [];
let adaOldToken = null;
await journey('customer', async (step) => {
  await step('the signup view', async () => {
    await ada.goto(`${BASE}/#/signup`);
    await heading(ada, 'Create an account');
  });
  await step('a 422: each field\'s reason next to it, the first one focused', async () => {
    await ada.fill('#signup-name', ' ');
    await ada.fill('#signup-email', 'nope');
    await ada.fill('#signup-password', 'short');
    await ada.click('#signup-form button[type="submit"]');
    await sees(ada, '#signup-form .form-message', 'Some fields need a change: see the notes next to them.');
    const email = await fieldNote(ada, '#signup-email', "Must contain exactly one '@'.");
    await fieldNote(ada, '#signup-password', 'Must be 12 to 256 bytes.');
    await fieldNote(ada, '#signup-name', 'Must not be empty.');
    assert(await ada.evaluate(() => document.activeElement.id === 'signup-name'), 'the focus is on the name');
    const described = await ada.getAttribute('#signup-password', 'aria-describedby');
    assert(described.split(' ').includes('signup-password-hint'), `the hint is kept: ${described}`);
    await shot(ada, 'signup-errors');
    return email.text;
  });
  await step('a 409: a taken email, in words', async () => {
    await ada.fill('#signup-name', 'Ada');
    await ada.fill('#signup-email', ADMIN_EMAIL);
    await ada.fill('#signup-password', ADA.password);
    await ada.click('#signup-form button[type="submit"]');
    await sees(ada, '#signup-form .form-message', 'Conflict: a user with this email already exists.');
    assert(await ada.locator('#signup-form .field-error').count() === 0, 'the 422 notes are gone');
  });
  await step('signed up: logged in at once, greeted, on the shop', async () => {
    await ada.fill('#signup-email', ADA.email);
    await ada.click('#signup-form button[type="submit"]');
    await heading(ada, 'Shop');
    await sees(ada, '#notice', 'Welcome, Ada: your account is ready.');
    await sees(ada, '#whoami', 'Signed in as Ada');
    assert(await ada.locator('a[href="#/admin/orders"]').isHidden(), 'a customer sees no admin link');
  });
  await step('the price list: what is for sale, with the prices the admin set', async () => {
    await sees(ada, '#products-rows', /A book BOOK-1 12\.50 EUR.*A pen PEN 1\.50 EUR.*A mug MUG 7\.00 EUR/);
    return `${await ada.locator('#products-rows tr').count()} products`;
  });
  await step('into the basket: 2 books and a pen, total 26.50 EUR', async () => {
    await ada.fill('#qty-BOOK-1', '2');
    await ada.getByRole('button', { name: 'Add A book to the basket', exact: true }).click();
    await sees(ada, '#notice', '2 × A book added to the basket.');
    await ada.getByRole('button', { name: 'Add A pen to the basket', exact: true }).click();
    await sees(ada, '#basket-lines', /A book 12\.50 EUR each.*A pen 1\.50 EUR each/);
    assert(await ada.inputValue('#basket-qty-0') === '2', 'the book line holds 2');
    await sees(ada, '#basket-total', 'Total: 26.50 EUR');
    assert(await labelled(ada), 'labels');
    await shot(ada, 'shop');
  });
  await step('a quantity changed in the basket: the total follows', async () => {
    await ada.fill('#basket-qty-1', '3');
    await ada.press('#basket-qty-1', 'Tab');
    await sees(ada, '#basket-total', 'Total: 29.50 EUR');
    await ada.fill('#basket-qty-1', '1');
    await ada.press('#basket-qty-1', 'Tab');
    await sees(ada, '#basket-total', 'Total: 26.50 EUR');
  });
  await step('the order placed (with an Idempotency-Key): its number, total and status; the basket empty', async () => {
    await ada.click('#basket-place');
    const t = await sees(ada, '#notice', /Order \d+ placed: 26\.50 EUR, pending\./);
    adaOrders.push(Number(/Order (\d+)/.exec(t)[1]));
    await sees(ada, '#basket-empty', 'The basket is empty.');
    assert(await ada.isDisabled('#basket-place'), 'Place order is off with an empty basket');
    assert(orderKeys.length === 1 && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(orderKeys[0]),
      `Idempotency-Key: ${orderKeys.join(', ')}`);
    return `order ${adaOrders[0]}, key ${orderKeys[0]}`;
  });
  await step('a second order, a mug: a key of its own', async () => {
    await ada.getByRole('button', { name: 'Add A mug to the basket', exact: true }).click();
    await ada.click('#basket-place');
    const t = await sees(ada, '#notice', /Order \d+ placed: 7\.00 EUR, pending\./);
    adaOrders.push(Number(/Order (\d+)/.exec(t)[1]));
    assert(orderKeys.length === 2 && orderKeys[1] !== orderKeys[0], `keys: ${orderKeys.join(', ')}`);
  });
  await step('My orders: both, newest first, pending, each with a Cancel button', async () => {
    await ada.click('a[href="#/orders"]');
    await heading(ada, 'My orders');
    const [first, second] = adaOrders;
    await sees(ada, '#orders-rows', new RegExp(`#${second} .*1 × A mug 7\\.00 EUR Pending Cancel #${first} .*2 × A book, 1 × A pen 26\\.50 EUR Pending Cancel`));
  });
  await step('a pending order cancelled: it reads Cancelled, without a Cancel button; the other stays', async () => {
    const [first, second] = adaOrders;
    await ada.getByRole('button', { name: `Cancel order ${second}`, exact: true }).click();
    await sees(ada, '#notice', `Order ${second} is cancelled.`);
    await sees(ada, `tr[data-order="${second}"]`, /Cancelled$/);
    assert(await ada.locator(`tr[data-order="${second}"] button`).count() === 0, 'a button is left');
    await sees(ada, `tr[data-order="${first}"]`, /Pending Cancel$/);
    await shot(ada, 'orders');
  });
  await step('the account: name, email, role', async () => {
    await ada.click('a[href="#/account"]');
    await heading(ada, 'Your account');
    await sees(ada, '#account .details', 'Name Ada Email ada@example.com Role Customer');
  });
  await step('a wrong current password: the 403 in words, and next to the field', async () => {
    await ada.fill('#password-current', 'not my password at all');
    await ada.fill('#password-new', ADA_NEW_PASSWORD);
    await ada.fill('#password-repeat', ADA_NEW_PASSWORD);
    await ada.click('#password-form button[type="submit"]');
    await sees(ada, '#password-form .form-message', "Not allowed: current_password is not this account's password.");
    await fieldNote(ada, '#password-current', 'Is not your password.');
  });
  await step('a repeat that differs: said next to it, nothing sent', async () => {
    await ada.fill('#password-current', ADA.password);
    await ada.fill('#password-repeat', 'a different horse battery');
    await ada.click('#password-form button[type="submit"]');
    await fieldNote(ada, '#password-repeat', 'Is not the same as the new password.');
    await heading(ada, 'Your account');
  });
  await step('the password changed: back to the login, which says why; the old token is refused', async () => {
    adaOldToken = await tokenOf(ada);
    await ada.fill('#password-repeat', ADA_NEW_PASSWORD);
    await ada.click('#password-form button[type="submit"]');
    await heading(ada, 'Log in');
    await sees(ada, '#notice', 'Your password is changed and every session of yours has ended');
    assert(await ada.inputValue('#login-email') === ADA.email, 'the email is filled in');
    assert(await tokenOf(ada) === null, 'the tab forgot the token');
    const r = await call('GET', '/user/me', { token: adaOldToken });
    assert(r.status === 401, `the old token: ${r.status}`);
  });
  await step('logged in with the new password', async () => {
    await ada.fill('#login-password', ADA_NEW_PASSWORD);
    await ada.press('#login-password', 'Enter');
    await heading(ada, 'Shop');
    await sees(ada, '#whoami', 'Signed in as Ada');
  });
  await step('logged out: the login view says so, the tab and the server forget the token', async () => {
    const token = await tokenOf(ada);
    await ada.click('#logout');
    await heading(ada, 'Log in');
    await sees(ada, '#notice', 'You are logged out.');
    assert(await ada.locator('#nav').isHidden(), 'the menu is gone');
    assert(await tokenOf(ada) === null, 'the tab still holds a token');
    const r = await call('GET', '/user/me', { token });
    assert(r.status === 401, `the token after logout: ${r.status}`);
  });
  await step('a view of the shop without a login leads to the login', async () => {
    await ada.goto(`${BASE}/#/orders`);
    await heading(ada, 'Log in');
  });
});

// === 3. the admin's orders ==================================================

await journey('admin, orders', async (step) => {
  lastPage = admin;
  const [first, second] = adaOrders;
  await step('All orders: the customer\'s, with the moves each status allows', async () => {
    await admin.click('a[href="#/admin/orders"]');
    await heading(admin, 'All orders');
    await sees(admin, `tr[data-order="${first}"]`, /user \d+ .* 26\.50 EUR Pending Mark paid ?Cancel$/);
    await sees(admin, `tr[data-order="${second}"]`, /Cancelled$/);
  });
  await step('moved along: paid, shipped, delivered (each with If-Match)', async () => {
    for (const [button, status, next] of [['Mark paid', 'paid', /Paid Mark shipped ?Cancel$/],
      ['Mark shipped', 'shipped', /Shipped Mark delivered$/], ['Mark delivered', 'delivered', /Delivered$/]]) {
      await admin.getByRole('button', { name: `${button}: order ${first}`, exact: true }).click();
      await sees(admin, '#notice', `Order ${first} is now ${status}.`);
      await sees(admin, `tr[data-order="${first}"]`, next);
    }
    assert(await admin.locator(`tr[data-order="${first}"] button`).count() === 0, 'a delivered order has moves');
  });
  let third = 0;
  await step('a 412: an order another admin marked paid since the list was loaded', async () => {
    const customer = await login(ADA.email, ADA_NEW_PASSWORD);
    const placed = await call('POST', '/order', { token: customer.access_token, body: { items: [{ sku: 'PEN', quantity: 4 }] } });
    assert(placed.status === 201, `the order: ${placed.status}`);
    third = placed.data.id;
    await admin.click('#admin-orders-filter button[type="submit"]');
    await sees(admin, `tr[data-order="${third}"]`, /6\.00 EUR Pending Mark paid ?Cancel$/);
    const other = await call('PATCH', `/order/${third}`, {
      token: await tokenOf(admin), headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"1"' },
      body: { status: 'paid' },
    });
    assert(other.status === 200, `the other admin: ${other.status}`);
    await admin.getByRole('button', { name: `Mark paid: order ${third}`, exact: true }).click();
    const msg = await sees(admin, '#admin-orders .form-message', 'Someone changed this since it was loaded');
    await sees(admin, `tr[data-order="${third}"]`, /Paid Mark shipped ?Cancel$/);
    return msg;
  });
  let dee = 0;
  await step('a customer who deletes the account: the pending order reads "cancelled: the account was deleted"', async () => {
    const body = { name: 'Dee', email: 'dee@example.com', password: 'correct horse battery' };
    assert((await call('POST', '/user', { body })).status === 201, 'Dee signs up');
    const d = await login(body.email, body.password);
    const placed = await call('POST', '/order', { token: d.access_token, body: { items: [{ sku: 'MUG', quantity: 1 }] } });
    assert(placed.status === 201, `Dee's order: ${placed.status}`);
    dee = placed.data.id;
    const gone = await call('DELETE', `/user/${d.user_id}`, { token: d.access_token });
    assert(gone.status === 204, `the deletion: ${gone.status}`);
    await until('the order service applied the deletion', async () => {
      await admin.click('#admin-orders-filter button[type="submit"]');
      return (await textOf(admin, `tr[data-order="${dee}"]`)).endsWith('Cancelled: the account was deleted');
    }, 10000);
    return `order ${dee}`;
  });
  await step('"Only orders of deleted accounts": that order alone', async () => {
    await admin.check('#filter-deleted');
    await admin.click('#admin-orders-filter button[type="submit"]');
    await until('one row', async () => (await admin.locator('#admin-orders-rows tr').count()) === 1);
    await sees(admin, '#admin-orders-rows', new RegExp(`^#${dee} .*Cancelled: the account was deleted$`));
    await admin.uncheck('#filter-deleted');
    await admin.selectOption('#filter-status', 'paid');
    await admin.click('#admin-orders-filter button[type="submit"]');
    await until('the paid order alone', async () => (await textOf(admin, '#admin-orders-rows')).startsWith(`#${third} `)
      && (await admin.locator('#admin-orders-rows tr').count()) === 1);
    await admin.selectOption('#filter-status', '');
    await admin.click('#admin-orders-filter button[type="submit"]');
    await until('every order', async () => (await admin.locator('#admin-orders-rows tr').count()) === 4);
  });
  await step('every control of the orders has a label', async () => {
    const n = await labelled(admin);
    await shot(admin, 'admin-orders');
    return n;
  });
});

// === 4. a phone =============================================================

await journey('phone', async (step) => {
  const phone = await open('phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  // nothingWide(): the page fits the window's width.
  const nothingWide = () => phone.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > w + 1;
    }).map((e) => e.tagName + (e.id ? `#${e.id}` : ''));
    return document.documentElement.scrollWidth <= w && wide.length === 0
      ? true : `scrollWidth ${document.documentElement.scrollWidth} > ${w}: ${wide.slice(0, 5).join(', ')}`;
  });
  await step('logged in on a 390 px wide window', async () => {
    await phone.goto(`${BASE}/`);
    await phone.fill('#login-email', ADA.email);
    await phone.fill('#login-password', ADA_NEW_PASSWORD);
    await phone.tap('#login-form button[type="submit"]');
    await heading(phone, 'Shop');
    await sees(phone, '#products-rows', 'A book');
  });
  await step('the shop fits the width: no sideways scrolling, the price list as cards', async () => {
    await phone.getByRole('button', { name: 'Add A book to the basket', exact: true }).tap();
    await sees(phone, '#basket-total', 'Total: 12.50 EUR');
    await until('nothing wider than the window', nothingWide);
    const display = await phone.evaluate(() => getComputedStyle(document.querySelector('#products-rows tr')).display);
    assert(display === 'block', `a row is displayed ${display}`);
    const box = await phone.locator('#basket-place').boundingBox();
    assert(box && box.x >= 0 && box.x + box.width <= 390 && box.height >= 40, `Place order at ${JSON.stringify(box)}`);
    await shot(phone, 'shop-phone');
  });
  await step('My orders fits the width too', async () => {
    await phone.tap('a[href="#/orders"]');
    await heading(phone, 'My orders');
    await sees(phone, '#orders-rows', 'Delivered');
    await until('nothing wider than the window', nothingWide);
  });
});

// === 5. a wrong password ====================================================

await journey('wrong password', async (step) => {
  const guest = await open('wrong-password');
  await step('a wrong password: "Wrong email or password.", the email kept, the password focused', async () => {
    await guest.goto(`${BASE}/#/login`);
    await guest.fill('#login-email', ADA.email);
    await guest.fill('#login-password', 'not the password');
    await guest.click('#login-form button[type="submit"]');
    await sees(guest, '#login-form .form-message', 'Wrong email or password.');
    assert(await guest.inputValue('#login-email') === ADA.email, 'the email is kept');
    assert(await guest.evaluate(() => document.activeElement.id === 'login-password'), 'the focus is on the password');
    await heading(guest, 'Log in');
  });
  await step('wrong again and again: the 429 says how many seconds to wait (Retry-After)', async () => {
    let tries = 1;
    let t = '';
    while (tries < 10) {
      tries++;
      await guest.fill('#login-password', `not the password ${tries}`);
      await guest.click('#login-form button[type="submit"]');
      await until('an answer', async () => !(await guest.isDisabled('#login-form button[type="submit"]')));
      t = await textOf(guest, '#login-form .form-message');
      if (t.startsWith('Too many attempts')) break;
      assert(t === 'Wrong email or password.', `try ${tries}: ${t}`);
    }
    assert(/^Too many attempts: .* Try again in \d+ seconds?\.$/.test(t), `after ${tries} tries: ${t}`);
    return `at try ${tries}: ${t}`;
  });
});

// === 6. the user service down ===============================================

await journey('user service down', async (step) => {
  const uno = await open('outage');
  const keys = [];
  uno.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/order') keys.push(r.headers()['idempotency-key']);
  });
  await step('the order service stopped; a new customer signs up: the price list says it is not available', async () => {
    await control('stop order');
    await uno.goto(`${BASE}/#/signup`);
    await uno.fill('#signup-name', 'Uno');
    await uno.fill('#signup-email', 'uno@example.com');
    await uno.fill('#signup-password', 'correct horse battery');
    await uno.click('#signup-form button[type="submit"]');
    await heading(uno, 'Shop');
    return sees(uno, '#products .form-message', /^Not available right now: the service is not answering\. Try again in 5 seconds\.$/);
  });
  await step('the user service stopped, the order service back: the price list loads', async () => {
    await control('stop user');
    await control('start order');
    await uno.click('#products-reload');
    await sees(uno, '#products-rows', 'A book');
    assert(await textOf(uno, '#products .form-message') === '', 'the message is gone');
  });
  await step('an order from the customer the order service never heard of: the 503 in words', async () => {
    await uno.getByRole('button', { name: 'Add A book to the basket', exact: true }).click();
    await uno.click('#basket-place');
    const t = await sees(uno, '#basket-form .form-message',
      /^Not available right now: the user service did not answer; nothing was written\. Try again in \d+ seconds?\.$/, 10000);
    await sees(uno, '#basket-lines', 'A book');
    return t;
  });
  await step('nothing was written: My orders is empty', async () => {
    await uno.click('a[href="#/orders"]');
    await sees(uno, '#orders-empty', 'You have no orders yet.');
    assert(await uno.locator('#orders-empty').isVisible(), 'the empty note is shown');
  });
  await step('the user service back: the same basket placed, with the same Idempotency-Key', async () => {
    await control('start user');
    await uno.click('a[href="#/shop"]');
    await heading(uno, 'Shop');
    await sees(uno, '#basket-total', 'Total: 12.50 EUR');
    let t = '';
    await until('the order placed', async () => {
      if (await uno.isDisabled('#basket-place')) return 'busy';
      await uno.click('#basket-place');
      await until('an answer', async () => !(await uno.isDisabled('#basket-place'))
        || uno.isVisible('#basket-empty'));
      t = await textOf(uno, '#notice');
      if (/Order \d+ placed: 12\.50 EUR, pending\./.test(t)) return true;
      await sleep(500);
      return textOf(uno, '#basket-form .form-message');
    }, 15000);
    assert(keys.length >= 2 && keys.every((k) => k === keys[0]), `keys: ${keys.join(', ')}`);
    return `${t} after ${keys.length} tries with one key`;
  });
});

// === 7. every page ==========================================================

await journey('every page', async (step) => {
  await step('no console error or warning, uncaught exception or failed file', async () => {
    assert(trouble.length === 0, trouble.join('\n'));
  });
  await step('no CSP violation', async () => {
    const all = [];
    for (const context of contexts) {
      for (const page of context.pages()) {
        if (!page.isClosed()) all.push(...(await violations(page)).map((v) => `${page.url()}: ${v}`));
      }
    }
    assert(all.length === 0, all.join('\n'));
    return `${contexts.length} browser contexts`;
  });
  await step('no request to another origin', async () => {
    assert(offsite.length === 0, offsite.join('\n'));
  });
});

await browser.close();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`# ${seconds} s in the browser; screenshots in ${SCREENSHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
