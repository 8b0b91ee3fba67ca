import type { Credentials } from '@chat/sdk';
import { h, replaceChildren } from '../dom.ts';
import { errorText, USERNAME_PATTERN } from '../format.ts';

const LAST_NAME = 'chat.username';

/** The login screen: a guest username, or a pasted JWT. Resolves nothing; calls `login`. */
export function renderLogin(root: HTMLElement, login: (auth: Credentials) => Promise<void>) {
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', placeholder: 'e.g. alice', pattern: USERNAME_PATTERN, maxlength: 32, autofocus: true });
  username.value = localStorage.getItem(LAST_NAME) ?? '';
  const token = h('textarea', { id: 'login-token', name: 'token', rows: 3, placeholder: 'or paste a token (JWT)', spellcheck: 'false' });
  const error = h('p', { class: 'form-error', id: 'login-error', role: 'alert' });
  const submit = h('button', { type: 'submit', id: 'login-submit', class: 'primary' }, 'Join chat');

  const form = h(
    'form',
    { class: 'login-card', novalidate: true },
    h('h1', {}, 'Chat'),
    h('label', { for: 'login-username' }, 'Username'),
    username,
    h('details', {}, h('summary', {}, 'Log in with a token instead'), token),
    error,
    submit,
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const jwt = token.value.trim();
    const name = username.value.trim();
    if (!jwt && !new RegExp(`^${USERNAME_PATTERN}$`).test(name)) {
      error.textContent = 'A username is 1-32 letters, digits, _ . or -';
      return;
    }
    error.textContent = '';
    submit.disabled = true;
    submit.textContent = 'Connecting…';
    try {
      if (!jwt) localStorage.setItem(LAST_NAME, name);
      await login(jwt ? { token: jwt } : { username: name });
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
      submit.textContent = 'Join chat';
    }
  });

  replaceChildren(root, h('main', { class: 'login' }, form));
  username.focus();
  return {
    /** A note while the login waits (e.g. the server cannot be reached yet). */
    notice(text: string) {
      error.textContent = text;
    },
  };
}
