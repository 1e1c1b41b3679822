// storefront/main.js: the page's start and its views. The address after
// # names the view (#/shop); a change of it shows that view alone, moves
// the focus to its heading (so a keyboard or screen reader user starts
// there) and lets the view load what it shows. Who may see which view
// follows the role of the login: customers shop and see their orders,
// admins see every order and keep the price list; anyone logged in has
// the account view, nobody else anything but log in and sign up.

import { api, whenSessionEnds } from './api.js';
import { session, sessionEnd } from './session.js';
import { byId, busy, setText } from './dom.js';
import { go, notify, onRoute, takeNotice } from './router.js';
import * as auth from './auth.js';
import * as shop from './shop.js';
import * as orders from './orders.js';
import * as account from './account.js';
import * as adminOrders from './admin-orders.js';
import * as adminProducts from './admin-products.js';

// Each view: its section, who may see it (null: only when logged out;
// 'any': anyone logged in), and its module's show().
const views = {
  '/login': { id: 'view-login', who: null, show: auth.showLogin },
  '/signup': { id: 'view-signup', who: null, show: auth.showSignup },
  '/shop': { id: 'view-shop', who: 'customer', show: shop.show },
  '/orders': { id: 'view-orders', who: 'customer', show: orders.show },
  '/account': { id: 'view-account', who: 'any', show: account.show },
  '/admin/orders': { id: 'view-admin-orders', who: 'admin', show: adminOrders.show },
  '/admin/products': { id: 'view-admin-products', who: 'admin', show: adminProducts.show },
};

// home(s): where a login (or a wrong address) lands.
function home(s) {
  if (!s) return '/login';
  return s.role === 'admin' ? '/admin/orders' : '/shop';
}

function allowed(view, s) {
  if (view.who === null) return !s;
  if (!s) return false;
  return view.who === 'any' || view.who === s.role;
}

function header(s) {
  const nav = byId('nav');
  nav.hidden = !s;
  for (const item of nav.querySelectorAll('[data-for]')) {
    item.hidden = !s || item.getAttribute('data-for') !== s.role;
  }
  setText(byId('whoami'), s ? `Signed in as ${s.name || s.email || `user ${s.userId}`}` : '');
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === location.hash) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function route() {
  const s = session();
  const path = location.hash.replace(/^#/, '') || '/';
  const view = views[path];
  if (!view || !allowed(view, s)) {
    location.replace(`#${home(s)}`);
    return;
  }
  for (const v of Object.values(views)) byId(v.id).hidden = v !== view;
  header(s);
  notify(takeNotice());
  const section = byId(view.id);
  section.querySelector('h1').focus();
  view.show(section);
}

async function logout() {
  await busy(byId('logout'), async () => {
    try {
      await api('POST', '/user/logout', { loggingOut: true });
    } catch {
      // The token is forgotten here all the same; a token the server
      // could not end expires on its own within 15 minutes.
    }
    sessionEnd();
    go('/login', 'You are logged out.');
  });
}

function start() {
  whenSessionEnds((problem) => {
    sessionEnd();
    go('/login', `Your session has ended (${problem.detail || 'the token is no longer valid'}): log in again.`);
  });
  byId('logout').addEventListener('click', logout);
  auth.init();
  shop.init();
  orders.init();
  account.init();
  adminOrders.init();
  adminProducts.init();
  onRoute(route);
  window.addEventListener('hashchange', route);
  route();
}

start();
