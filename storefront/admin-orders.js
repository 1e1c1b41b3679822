// storefront/admin-orders.js: every order, for an admin (GET /order,
// filtered by status and by deleted accounts: user_status=deleted), and
// its moves along the state machine of docs/api.md:
//
//   pending -> paid -> shipped -> delivered;  pending, paid -> cancelled
//
// Each move is a PATCH /order/{id} with If-Match: the version the list
// showed. An order someone moved since is a 412: the list is loaded
// again and says so, rather than the move being applied to an order the
// admin did not see.

import { api, pages } from './api.js';
import { byId, busy, el } from './dom.js';
import { clearProblems, showProblem } from './problems.js';
import { notify } from './router.js';
import { orderCells } from './orders.js';

// The moves offered from each status, as [status, button text].
const moves = {
  pending: [['paid', 'Mark paid'], ['cancelled', 'Cancel']],
  paid: [['shipped', 'Mark shipped'], ['cancelled', 'Cancel']],
  shipped: [['delivered', 'Mark delivered']],
  delivered: [],
  cancelled: [],
};

const moveWords = {
  paid: 'paid', shipped: 'shipped', delivered: 'delivered', cancelled: 'cancelled',
};

async function move(order, status, button) {
  const panel = byId('admin-orders');
  clearProblems(panel);
  await busy(button, async () => {
    try {
      await api('PATCH', `/order/${order.id}`, {
        body: { status },
        contentType: 'application/merge-patch+json',
        headers: { 'If-Match': `"${order.version}"` },
      });
      notify(`Order ${order.id} is now ${moveWords[status]}.`);
      await load();
    } catch (problem) {
      if (problem.status === 412 || problem.status === 409) await load();
      showProblem(panel, problem);
    }
  });
  byId('admin-orders-h').focus();
}

function row(order) {
  const actions = el('td', { class: 'row-actions', 'data-label': 'Move to' });
  for (const [status, text] of moves[order.status] || []) {
    const b = el('button', {
      type: 'button', class: status === 'cancelled' ? 'secondary' : null,
      'aria-label': `${text}: order ${order.id}`, text,
    });
    b.addEventListener('click', () => move(order, status, b));
    actions.append(b);
  }
  return el('tr', { 'data-order': order.id },
    el('th', { scope: 'row', 'data-label': 'Order', text: `#${order.id}` }),
    el('td', { 'data-label': 'User', text: `user ${order.user_id}` }),
    ...orderCells(order),
    actions);
}

// query(): the filter form as GET /order's query string.
function query() {
  const form = byId('admin-orders-filter');
  const q = new URLSearchParams({ limit: '200' });
  if (form.elements.status.value) q.set('status', form.elements.status.value);
  if (form.elements.user_status.checked) q.set('user_status', 'deleted');
  return q.toString();
}

async function load() {
  const panel = byId('admin-orders');
  clearProblems(panel);
  clearProblems(byId('admin-orders-filter'));
  try {
    const items = (await pages(`/order?${query()}`)).reverse();
    byId('admin-orders-rows').replaceChildren(...items.map(row));
    byId('admin-orders-empty').hidden = items.length > 0;
  } catch (problem) {
    showProblem(problem.errors.length ? byId('admin-orders-filter') : panel, problem);
  }
}

export function init() {
  byId('admin-orders-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    busy(event.submitter || event.currentTarget.querySelector('button'), load);
  });
}

export function show() {
  return load();
}
