import type { ConnectionState } from '@chat/sdk';
import { h, replaceChildren } from '../dom.ts';

/** The connection indicator: a dot and a word, with the gateway's serverId when connected. */
export function renderStatus(el: HTMLElement, state: ConnectionState, now = Date.now()) {
  el.dataset.status = state.status;
  let text: string;
  switch (state.status) {
    case 'open':
      text = `Connected · ${state.serverId ?? ''}`;
      break;
    case 'reconnecting': {
      const s = state.nextAttemptAt ? Math.max(0, Math.ceil((state.nextAttemptAt - now) / 1000)) : 0;
      text = s > 0 ? `Reconnecting in ${s} s…` : 'Reconnecting…';
      break;
    }
    case 'closed':
      text = 'Disconnected';
      break;
    default:
      text = 'Connecting…';
  }
  el.title = state.error ? state.error.message : text;
  replaceChildren(el, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'conn-text' }, text));
}
