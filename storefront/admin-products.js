// storefront/admin-products.js: the price list for an admin: every
// product (GET /order/products, for sale or not), and adding or changing
// one (PUT /order/products/{sku}, the whole product). A new product goes
// with If-None-Match: * (a product someone else made under the same sku
// meanwhile is a 412, not overwritten); a change with If-Match: the
// version the form was filled from (someone else's change since is a
// 412, and the list is loaded again to show it).

import { api, pages } from './api.js';
import { byId, busy, el } from './dom.js';
import { amountOf, centsOf, money } from './format.js';
import { clearProblems, fieldError, showProblem } from './problems.js';
import { notify } from './router.js';

// The product the form edits ({sku, version}), or null for a new one.
let editing = null;

function fill(p) {
  const form = byId('product-form');
  clearProblems(form);
  editing = p ? { sku: p.sku, version: p.version } : null;
  form.elements.sku.value = p ? p.sku : '';
  form.elements.sku.readOnly = !!p;
  form.elements.name.value = p ? p.name : '';
  form.elements.unit_price_cents.value = p ? amountOf(p.unit_price_cents) : '';
  form.elements.currency.value = p ? p.currency : 'EUR';
  form.elements.active.checked = p ? p.active : true;
  byId('product-h').textContent = p ? `Change ${p.sku} (version ${p.version})` : 'Add a product';
  byId('product-save').textContent = p ? 'Save changes' : 'Add product';
}

function row(p) {
  const edit = el('button', {
    type: 'button', class: 'secondary', 'aria-label': `Change ${p.sku}`, text: 'Change',
  });
  edit.addEventListener('click', () => {
    fill(p);
    byId('product-name').focus();
  });
  return el('tr', { 'data-sku': p.sku },
    el('th', { scope: 'row', 'data-label': 'SKU', text: p.sku }),
    el('td', { 'data-label': 'Name', text: p.name }),
    el('td', { 'data-label': 'Price', text: money(p.unit_price_cents, p.currency) }),
    el('td', { 'data-label': 'For sale', text: p.active ? 'Yes' : 'No' }),
    el('td', { 'data-label': 'Version', text: String(p.version) }),
    el('td', { class: 'row-actions' }, edit));
}

async function load() {
  const panel = byId('admin-products');
  clearProblems(panel);
  try {
    const items = await pages('/order/products?limit=200');
    byId('admin-products-rows').replaceChildren(...items.map(row));
    byId('admin-products-empty').hidden = items.length > 0;
    return items;
  } catch (problem) {
    showProblem(panel, problem);
    return null;
  }
}

async function save(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearProblems(form);
  const sku = form.elements.sku.value.trim();
  const cents = centsOf(form.elements.unit_price_cents.value);
  if (!sku) {
    fieldError(form, 'sku', 'is required');
    form.elements.sku.focus();
    return;
  }
  if (cents === null) {
    fieldError(form, 'unit_price_cents', 'must be an amount such as 12.50');
    form.elements.unit_price_cents.focus();
    return;
  }
  const body = {
    name: form.elements.name.value,
    unit_price_cents: cents,
    currency: form.elements.currency.value,
    active: form.elements.active.checked,
  };
  const headers = editing ? { 'If-Match': `"${editing.version}"` } : { 'If-None-Match': '*' };
  const saved = await busy(byId('product-save'), async () => {
    try {
      return await api('PUT', `/order/products/${encodeURIComponent(sku)}`, { body, headers });
    } catch (problem) {
      if (problem.status === 412) {
        const items = await load();
        const now = items && items.find((p) => p.sku === sku);
        if (now) fill(now);
      }
      showProblem(form, problem);
      return null;
    }
  });
  if (!saved) return;
  const p = saved.data;
  notify(saved.status === 201
    ? `${p.sku} is on the price list: ${p.name}, ${money(p.unit_price_cents, p.currency)}.`
    : `${p.sku} is changed: ${p.name}, ${money(p.unit_price_cents, p.currency)}${p.active ? '' : ', not for sale'}.`);
  fill(null);
  await load();
  byId('admin-products-h').focus();
}

export function init() {
  byId('product-form').addEventListener('submit', save);
  byId('product-new').addEventListener('click', () => {
    fill(null);
    byId('product-sku').focus();
  });
}

export function show() {
  fill(null);
  return load();
}
