// storefront/router.js: moving between views, for every module: go() to
// another view (its address after #), with a sentence for the status line
// once it is shown. main.js owns the views and shows them.

import { byId, setText } from './dom.js';

let pendingNotice = '';
let shown = () => {};

// onRoute(fn): fn() shows the view of the current address (main.js).
export function onRoute(fn) {
  shown = fn;
}

// go(path, notice): show the view at path ("/shop"), then the notice.
export function go(path, notice = '') {
  pendingNotice = notice;
  if (location.hash === `#${path}`) shown();
  else location.hash = `#${path}`;
}

// takeNotice(): the notice go() was given, once.
export function takeNotice() {
  const n = pendingNotice;
  pendingNotice = '';
  return n;
}

// notify(text): the status line's sentence ("Order 3 placed ...").
export function notify(text) {
  setText(byId('notice'), text);
}
