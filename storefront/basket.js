// storefront/basket.js: the basket, kept in this tab only (the API has no
// basket: an order is the basket sent at once). It survives a reload in
// sessionStorage, per user. With it goes the Idempotency-Key of the order
// it is about to become: the same key for every retry of the same basket
// (so that a retry after a lost answer or a 503 writes one order, not
// two), a new one as soon as the basket changes.

import { newKey } from './api.js';
import { session } from './session.js';

function storageKey() {
  const s = session();
  return `microshop.basket.${s ? s.userId : 'none'}`;
}

// basket(): {lines: [{sku, quantity}], key: Idempotency-Key or null}.
export function basket() {
  try {
    const b = JSON.parse(sessionStorage.getItem(storageKey()) || 'null');
    if (b && Array.isArray(b.lines)) return b;
  } catch {
    // A basket that cannot be read is an empty one.
  }
  return { lines: [], key: null };
}

function save(b) {
  sessionStorage.setItem(storageKey(), JSON.stringify(b));
}

// add(sku, quantity): more of a product (a line of its own the first time).
export function add(sku, quantity) {
  const b = basket();
  const line = b.lines.find((l) => l.sku === sku);
  if (line) line.quantity += quantity;
  else b.lines.push({ sku, quantity });
  save({ lines: b.lines, key: null });
}

// setQuantity(sku, quantity): a line's quantity; 0 takes the line out.
export function setQuantity(sku, quantity) {
  const b = basket();
  const lines = b.lines
    .map((l) => (l.sku === sku ? { sku, quantity } : l))
    .filter((l) => l.quantity > 0);
  save({ lines, key: null });
}

// orderKey(): the Idempotency-Key of this basket's order, made once.
export function orderKey() {
  const b = basket();
  if (!b.key) {
    b.key = newKey();
    save(b);
  }
  return b.key;
}

// empty(): the basket once its order is placed.
export function empty() {
  save({ lines: [], key: null });
}
