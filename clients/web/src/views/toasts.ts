import { h } from '../dom.ts';

export type ToastKind = 'info' | 'warn' | 'error';
export type Toasts = ReturnType<typeof createToasts>;

/** Short notices in a corner; at most a few at once so a burst of joins cannot flood the screen. */
export function createToasts(container: HTMLElement, max = 4) {
  return {
    show(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 6000 : 3500) {
      const toast = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
      const dismiss = () => toast.remove();
      toast.addEventListener('click', dismiss);
      container.append(toast);
      while (container.children.length > max) container.firstElementChild?.remove();
      setTimeout(dismiss, ms);
    },
  };
}
