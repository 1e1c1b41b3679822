// storefront/dom.js: building the page's elements. Every text that comes
// from the API (names, details, reasons) goes in as text, never as HTML:
// a product named "<img onerror=...>" is shown as those characters.

// el(tag, attrs, ...children): a new element. attrs are attributes
// ("class", "aria-label", "data-..."), with three specials: text (the
// textContent), on (an object of event listeners) and props (properties
// set as such: value, checked, hidden, disabled). Children are elements,
// strings (text nodes), or null and false (left out).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (name === 'props') Object.assign(node, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

// byId(id): the element, or an Error naming the id (a page that lost an
// element fails loudly, in the console and the tests).
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`storefront: no element #${id}`);
  return node;
}

// setText(node, text): a message's text. Messages are live regions
// (role="alert" or "status"), which a screen reader only follows while
// they are shown: an empty one stays in the page and takes no room
// (style.css), rather than being hidden.
export function setText(node, text) {
  node.textContent = text || '';
}

// busy(button, fn): disable the button while fn runs, so that a double
// click sends one request.
export async function busy(button, fn) {
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = false;
  }
}
