// storefront/orders.js: a customer's orders (GET /order, every page,
// newest first) with their status in words, and cancelling a pending one
// (PATCH /order/{id} {"status":"cancelled"}, If-Match its version: an
// order an admin moved meanwhile is a 412, not a surprise).

import { api, pages } from './api.js';
import { byId, busy, el } from './dom.js';
import { itemsText, money, statusText, when } from './format.js';
import { clearProblems, showProblem } from './problems.js';
import { notify } from './router.js';

// orderCells(order): the cells every order table shows.
export function orderCells(order) {
  return [
    el('td', { 'data-label': 'Placed', text: when(order.created_at) }),
    el('td', { 'data-label': 'Items', text: itemsText(order) }),
    el('td', { 'data-label': 'Total', text: money(order.total_cents, order.currency) }),
    el('td', { 'data-label': 'Status' },
      el('span', { class: `status status-${order.status}`, text: statusText(order) })),
  ];
}

async function cancel(order, button) {
  const panel = byId('orders');
  clearProblems(panel);
  await busy(button, async () => {
    try {
      await api('PATCH', `/order/${order.id}`, {
        body: { status: 'cancelled' },
        contentType: 'application/merge-patch+json',
        headers: { 'If-Match': `"${order.version}"` },
      });
      notify(`Order ${order.id} is cancelled.`);
      await load();
    } catch (problem) {
      if (problem.status === 412 || problem.status === 409) await load();
      showProblem(panel, problem);
    }
  });
  byId('orders-h').focus();
}

function row(order) {
  const actions = el('td', { class: 'row-actions' });
  if (order.status === 'pending') {
    const b = el('button', {
      type: 'button', class: 'secondary', 'aria-label': `Cancel order ${order.id}`, text: 'Cancel',
    });
    b.addEventListener('click', () => cancel(order, b));
    actions.append(b);
  }
  return el('tr', { 'data-order': order.id },
    el('th', { scope: 'row', 'data-label': 'Order', text: `#${order.id}` }),
    ...orderCells(order),
    actions);
}

async function load() {
  const panel = byId('orders');
  clearProblems(panel);
  try {
    const items = (await pages('/order?limit=200')).reverse();
    byId('orders-rows').replaceChildren(...items.map(row));
    byId('orders-empty').hidden = items.length > 0;
  } catch (problem) {
    showProblem(panel, problem);
  }
}

export function init() {
  byId('orders-reload').addEventListener('click', (e) => busy(e.currentTarget, load));
}

export function show() {
  return load();
}
