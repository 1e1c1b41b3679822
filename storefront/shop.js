// storefront/shop.js: the shop view of a customer: the price list
// (GET /order/products?active=true), the basket (basket.js), and placing
// it as an order (POST /order with an Idempotency-Key). The prices shown
// are the list's; the order's are the service's own, read when it is
// written, and the notice says what it took.

import { api, pages } from './api.js';
import * as basket from './basket.js';
import { byId, busy, el } from './dom.js';
import { money, statusText } from './format.js';
import { clearProblems, fieldError, showProblem } from './problems.js';
import { notify } from './router.js';

// The price list as last loaded, by sku.
let products = new Map();

function productRow(p) {
  const qtyId = `qty-${p.sku}`;
  const qty = el('input', {
    id: qtyId, type: 'number', min: 1, max: 10000, step: 1, inputmode: 'numeric',
    props: { value: '1' },
  });
  const add = el('button', {
    type: 'button', 'aria-label': `Add ${p.name} to the basket`, text: 'Add',
    on: {
      click: () => {
        clearProblems(byId('products'));
        const n = Number(qty.value);
        if (!Number.isInteger(n) || n < 1 || n > 10000) {
          fieldError(byId('products'), qtyId, 'must be a whole number from 1 to 10000');
          qty.focus();
          return;
        }
        basket.add(p.sku, n);
        qty.value = '1';
        renderBasket();
        notify(`${n} × ${p.name} added to the basket.`);
      },
    },
  });
  qty.setAttribute('name', qtyId);
  return el('tr', {},
    el('th', { scope: 'row', 'data-label': 'Product' }, p.name, el('span', { class: 'sku', text: p.sku })),
    el('td', { 'data-label': 'Price', text: money(p.unit_price_cents, p.currency) }),
    el('td', { 'data-label': 'Quantity' },
      el('label', { for: qtyId, class: 'visually-hidden', text: `Quantity of ${p.name}` }), qty),
    el('td', { class: 'row-actions' }, add));
}

async function loadProducts() {
  const panel = byId('products');
  clearProblems(panel);
  try {
    const items = await pages('/order/products?active=true&limit=200');
    products = new Map(items.map((p) => [p.sku, p]));
    byId('products-rows').replaceChildren(...items.map(productRow));
    byId('products-empty').hidden = items.length > 0;
  } catch (problem) {
    showProblem(panel, problem);
  }
  renderBasket();
}

function basketLine(line, i) {
  const p = products.get(line.sku);
  const name = p ? p.name : line.sku;
  const qtyId = `basket-qty-${i}`;
  const qty = el('input', {
    id: qtyId, name: `items[${i}].quantity`, type: 'number', min: 0, max: 10000, step: 1,
    inputmode: 'numeric', props: { value: String(line.quantity) },
    on: {
      change: () => {
        const n = Number(qty.value);
        if (!Number.isInteger(n) || n < 0 || n > 10000) {
          fieldError(byId('basket-form'), `items[${i}].quantity`, 'must be a whole number from 0 to 10000');
          return;
        }
        basket.setQuantity(line.sku, n);
        renderBasket();
      },
    },
  });
  return el('li', {},
    el('span', { class: 'line-name', 'data-field': `items[${i}].sku`, text: name }),
    el('span', { class: 'line-price', text: p ? `${money(p.unit_price_cents, p.currency)} each` : 'not on the price list' }),
    el('label', { for: qtyId, class: 'visually-hidden', text: `Quantity of ${name} in the basket` }),
    qty,
    el('button', {
      type: 'button', class: 'secondary', 'aria-label': `Remove ${name} from the basket`, text: 'Remove',
      on: { click: () => { basket.setQuantity(line.sku, 0); renderBasket(); byId('basket-place').focus(); } },
    }));
}

// totals(lines): the basket's total per currency, "26.20 EUR".
function totals(lines) {
  const sums = new Map();
  for (const line of lines) {
    const p = products.get(line.sku);
    if (!p) continue;
    sums.set(p.currency, (sums.get(p.currency) || 0) + p.unit_price_cents * line.quantity);
  }
  return [...sums].map(([currency, cents]) => money(cents, currency)).join(' + ');
}

function renderBasket() {
  const { lines } = basket.basket();
  byId('basket-lines').replaceChildren(...lines.map(basketLine));
  byId('basket-empty').hidden = lines.length > 0;
  byId('basket-total').textContent = lines.length ? `Total: ${totals(lines)}` : '';
  byId('basket-place').disabled = lines.length === 0;
}

async function placeOrder(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  const { lines } = basket.basket();
  if (!lines.length) return;
  const placed = await busy(byId('basket-place'), async () => {
    try {
      return (await api('POST', '/order', {
        body: { items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) },
        headers: { 'Idempotency-Key': basket.orderKey() },
      })).data;
    } catch (problem) {
      // The basket and its key stay: placing it again is a retry.
      showProblem(form, problem);
      return null;
    }
  });
  if (!placed) return;
  basket.empty();
  renderBasket();
  notify(`Order ${placed.id} placed: ${money(placed.total_cents, placed.currency)}, ${statusText(placed).toLowerCase()}.`);
  byId('shop-h').focus();
}

export function init() {
  byId('products-reload').addEventListener('click', (e) => busy(e.currentTarget, loadProducts));
  byId('basket-form').addEventListener('submit', placeOrder);
}

// show(): the price list, fresh, and the basket with its prices.
export function show() {
  renderBasket();
  return loadProducts();
}
