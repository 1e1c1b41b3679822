// storefront/session.js: who is logged in: the access token from
// POST /user/login, whose it is (user_id, role, name) and when it expires.
//
// The token is kept in sessionStorage, not in localStorage nor in a cookie:
// - sessionStorage belongs to this tab and is emptied when the tab closes,
//   so a token (good for up to 15 minutes) does not stay behind on a
//   shared computer, and two tabs can be two users;
// - the API takes the token from the Authorization header alone; a cookie
//   would be sent by the browser on its own with every request to the
//   origin, including requests another site makes it send (CSRF);
// - what is left is a script of this origin reading it (XSS): the
//   Content-Security-Policy admits no script but the shop's own files, and
//   no text from the API is ever put into the page as HTML (dom.js).
// A reload keeps the session; logging out ends the token at the server
// (POST /user/logout) and here.

const key = 'microshop.session';

// session(): {token, userId, role, name, email, expiresAt}, or null when
// nobody is logged in or the token has expired.
export function session() {
  let s = null;
  try {
    s = JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    s = null;
  }
  if (!s || typeof s.token !== 'string' || !(s.expiresAt > Date.now())) return null;
  return s;
}

// sessionStart(login): keep a login's answer
// ({access_token, expires_in, user_id, role}).
export function sessionStart(login) {
  const s = {
    token: login.access_token,
    userId: login.user_id,
    role: login.role,
    name: '',
    email: '',
    expiresAt: Date.now() + login.expires_in * 1000,
  };
  sessionStorage.setItem(key, JSON.stringify(s));
  return s;
}

// sessionUpdate(fields): add what GET /user/me said (name, email).
export function sessionUpdate(fields) {
  const s = session();
  if (!s) return;
  sessionStorage.setItem(key, JSON.stringify({ ...s, ...fields }));
}

// sessionEnd(): forget the token (and nothing else of this tab's).
export function sessionEnd() {
  sessionStorage.removeItem(key);
}
