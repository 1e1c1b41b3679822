// storefront/format.js: how amounts, times and order statuses read on the
// page. Amounts are integers of cents in the API and stay integers here:
// no floating point between a price and what is shown.

// money(cents, currency): "12.50 EUR".
export function money(cents, currency) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')} ${currency}`;
}

// centsOf(text): "12.50", "12.5" or "12" as cents (1250), or null when the
// text is not such an amount.
export function centsOf(text) {
  const m = /^\s*(\d{1,10})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

// amountOf(cents): the input form of an amount, "12.50".
export function amountOf(cents) {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

// when(rfc3339): "2026-01-02 03:04 UTC" (the API's times are UTC).
export function when(rfc3339) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339 || '');
  return m ? `${m[1]} ${m[2]} UTC` : String(rfc3339 || '');
}

const statusNames = {
  pending: 'Pending',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
};

// statusText(order): the order's status in words; an order the shop
// cancelled because its user deleted their account says so (docs/api.md,
// cancel_reason "user_deleted"), not only "Cancelled".
export function statusText(order) {
  if (order.status === 'cancelled' && order.cancel_reason === 'user_deleted') {
    return 'Cancelled: the account was deleted';
  }
  return statusNames[order.status] || order.status;
}

// itemsText(order): "2 × A book, 1 × A pen".
export function itemsText(order) {
  return (order.items || [])
    .map((line) => `${line.quantity} × ${line.name || line.sku}`)
    .join(', ');
}
