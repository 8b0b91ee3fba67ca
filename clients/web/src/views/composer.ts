import { h, replaceChildren } from '../dom.ts';

/** typing.start again this often while typing: under the server's 3 s expiry. */
const TYPING_REFRESH_MS = 2000;

export interface ComposerDeps {
  send(text: string): void;
  typing(isTyping: boolean): void;
}

/** The message box: Enter sends, Shift+Enter is a new line; typing signals are throttled. */
export function createComposer(slot: HTMLElement, deps: ComposerDeps) {
  const input = h('textarea', { id: 'composer-input', rows: 1, placeholder: 'Write a message…', maxlength: 4000, 'aria-label': 'Message', enterkeyhint: 'send' });
  const button = h('button', { id: 'composer-send', type: 'submit', class: 'primary' }, 'Send');
  const form = h('form', { id: 'composer', class: 'composer' }, input, button);
  let lastTypingAt = 0;

  const stopTyping = () => {
    if (lastTypingAt === 0) return;
    lastTypingAt = 0;
    deps.typing(false);
  };

  const submit = () => {
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autosize();
    // The server clears our typing state when the message arrives: no typing.stop needed.
    lastTypingAt = 0;
    deps.send(text);
  };

  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    autosize();
    if (!input.value.trim()) return stopTyping();
    const now = Date.now();
    if (now - lastTypingAt > TYPING_REFRESH_MS) {
      lastTypingAt = now;
      deps.typing(true);
    }
  });
  input.addEventListener('blur', stopTyping);

  replaceChildren(slot, form);
  return {
    setEnabled(enabled: boolean, placeholder = 'Write a message…') {
      input.disabled = !enabled;
      button.disabled = !enabled;
      input.placeholder = placeholder;
    },
    /** Switching rooms: the old room must not keep showing us as typing. */
    reset() {
      stopTyping();
      input.value = '';
      autosize();
    },
    focus: () => input.focus(),
  };
}
