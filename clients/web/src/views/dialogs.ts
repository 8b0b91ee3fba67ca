/**
 * Small modal forms (create room, invite, new DM) and the room browser, on <dialog>.
 * `onSubmit` errors are shown in the dialog, which stays open to correct and retry.
 */
import type { RoomInfo } from '@chat/contracts';
import { h, replaceChildren } from '../dom.ts';
import { errorText } from '../format.ts';

export interface Field {
  name: string;
  label: string;
  type?: 'text' | 'checkbox' | 'textarea';
  pattern?: string;
  placeholder?: string;
  required?: boolean;
  maxlength?: number;
  hint?: string;
}

function modal(title: string, body: HTMLElement[], onClose?: () => void) {
  const dialog = h('dialog', { class: 'dialog' }, h('h2', {}, title), ...body);
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function openForm(opts: { id: string; title: string; fields: Field[]; submitLabel: string; onSubmit(values: Record<string, string | boolean>): Promise<void> }) {
  const inputs = opts.fields.map((f) => {
    const attrs = { name: f.name, id: `${opts.id}-${f.name}`, placeholder: f.placeholder, pattern: f.pattern, required: f.required, maxlength: f.maxlength };
    const input = f.type === 'textarea' ? h('textarea', { ...attrs, rows: 3 }) : h('input', { ...attrs, type: f.type ?? 'text' });
    return { field: f, input };
  });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, opts.submitLabel);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form',
    { id: opts.id, method: 'dialog' },
    ...inputs.map(({ field, input }) =>
      field.type === 'checkbox'
        ? h('label', { class: 'check' }, input, ` ${field.label}`)
        : h('label', {}, field.label, input, field.hint && h('small', {}, field.hint)),
    ),
    error,
    h('div', { class: 'dialog-actions' }, cancel, submit),
  );
  const dialog = modal(opts.title, [form]);
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const values: Record<string, string | boolean> = {};
    for (const { field, input } of inputs) values[field.name] = input instanceof HTMLInputElement && field.type === 'checkbox' ? input.checked : input.value.trim();
    submit.disabled = true;
    error.textContent = '';
    try {
      await opts.onSubmit(values);
      dialog.close();
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
    }
  });
  inputs[0]?.input.focus();
  return dialog;
}

/** Public rooms the user is not in, each with a Join button. */
export function openBrowser(opts: { load(): Promise<RoomInfo[]>; join(roomId: string): Promise<void> }) {
  const list = h('ul', { class: 'browse-list' }, h('li', {}, 'Loading…'));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const close = h('button', { type: 'button' }, 'Close');
  const dialog = modal('Browse rooms', [list, error, h('div', { class: 'dialog-actions' }, close)]);
  close.addEventListener('click', () => dialog.close());

  const join = async (roomId: string, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      await opts.join(roomId);
      dialog.close();
    } catch (err) {
      error.textContent = errorText(err);
      button.disabled = false;
    }
  };

  opts.load().then(
    (rooms) => {
      if (rooms.length === 0) return replaceChildren(list, h('li', { class: 'empty' }, 'No other public rooms yet.'));
      replaceChildren(
        list,
        ...rooms.map((r) => {
          const button = h('button', { type: 'button', class: 'primary', 'data-join': r.roomId }, 'Join');
          button.addEventListener('click', () => void join(r.roomId, button));
          return h('li', {}, h('span', { class: 'browse-name' }, `#${r.name}`), h('small', {}, ` ${r.memberCount} member${r.memberCount === 1 ? '' : 's'}`), r.description && h('p', {}, r.description), button);
        }),
      );
    },
    (err: unknown) => replaceChildren(list, h('li', { class: 'form-error' }, errorText(err))),
  );
}
