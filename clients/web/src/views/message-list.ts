/**
 * The message pane of the open room. Rows are keyed by seq and inserted in place, so
 * redrawing after every event is cheap and keeps the scroll position: near the bottom it
 * follows new messages, otherwise it stays put (and stays put when older pages load above).
 */
import type { Message } from '@chat/contracts';
import { h, replaceChildren } from '../dom.ts';
import { formatTime } from '../format.ts';
import type { Store } from '../store.ts';

export interface MessageListDeps {
  store: Store;
  loadOlder(roomId: string): Promise<void>;
  retry(roomId: string, clientMsgId: string): void;
}

/** "a, b and 3 others": a big room must not print every reader's name. */
function readersText(names: string[]): string {
  const sorted = [...names].sort();
  if (sorted.length <= 3) return sorted.join(', ');
  return `${sorted.slice(0, 2).join(', ')} and ${sorted.length - 2} others`;
}

export function createMessageList(el: HTMLElement, deps: MessageListDeps) {
  const { store } = deps;
  let roomId: string | undefined;
  let rows = new Map<number, HTMLElement>();
  const older = h('button', { type: 'button', class: 'load-older', 'data-testid': 'load-older' }, 'Load older messages');
  const list = h('div', { class: 'message-rows' });
  const pending = h('div', { class: 'pending-rows' });
  let loading = false;

  async function loadOlder() {
    if (!roomId || loading || !store.rooms.get(roomId)?.hasOlder) return;
    loading = true;
    older.textContent = 'Loading…';
    try {
      await deps.loadOlder(roomId);
    } finally {
      loading = false;
      older.textContent = 'Load older messages';
    }
  }
  older.addEventListener('click', () => void loadOlder());
  el.addEventListener('scroll', () => {
    if (el.scrollTop < 40) void loadOlder();
  });

  function row(m: Message): HTMLElement {
    return h(
      'div',
      { class: `msg${m.userId === store.me.userId ? ' mine' : ''}`, 'data-seq': m.seq, 'data-id': m.id },
      h('div', { class: 'msg-meta' }, h('span', { class: 'msg-user' }, m.username), h('time', { datetime: new Date(m.timestamp).toISOString() }, formatTime(m.timestamp))),
      h('div', { class: 'msg-text' }, m.text),
    );
  }

  function drawReceipts() {
    const room = roomId ? store.rooms.get(roomId) : undefined;
    for (const r of list.querySelectorAll('.receipt')) r.remove();
    if (!room || rows.size === 0) return;
    const seqs = [...rows.keys()].sort((a, b) => a - b);
    const readers = new Map<number, string[]>();
    for (const m of room.members.values()) {
      if (m.username === store.me.username || m.lastReadSeq < seqs[0]!) continue;
      // The newest loaded message this member has read.
      const at = seqs.filter((s) => s <= m.lastReadSeq).at(-1)!;
      readers.set(at, [...(readers.get(at) ?? []), m.username]);
    }
    for (const [seq, names] of readers) rows.get(seq)?.append(h('div', { class: 'receipt', 'data-testid': 'receipt' }, `✓ Seen by ${readersText(names)}`));
  }

  function drawPending() {
    const room = roomId ? store.rooms.get(roomId) : undefined;
    replaceChildren(
      pending,
      ...[...(room?.pending.values() ?? [])].map((p) =>
        h(
          'div',
          { class: `msg mine pending ${p.status}`, 'data-client-msg-id': p.clientMsgId },
          h('div', { class: 'msg-meta' }, h('span', { class: 'msg-user' }, store.me.username), h('span', { class: 'msg-state' }, p.status === 'failed' ? `Not sent: ${p.error ?? ''}` : 'Sending…')),
          h('div', { class: 'msg-text' }, p.text),
          p.status === 'failed' && h('button', { type: 'button', class: 'link', onclick: () => deps.retry(roomId!, p.clientMsgId) }, 'Retry'),
        ),
      ),
    );
  }

  return {
    /** Redraws the pane for the active room (a switch rebuilds, otherwise rows are added in place). */
    render() {
      const room = store.active;
      if (room?.info.roomId !== roomId) {
        roomId = room?.info.roomId;
        rows = new Map();
        replaceChildren(list);
        replaceChildren(el, older, list, pending);
        if (!room) replaceChildren(el, h('p', { class: 'empty-pane' }, 'Pick a room on the left, or create one.'));
      }
      if (!room) return;
      const wasEmpty = rows.size === 0;
      const nearBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      const heightBefore = el.scrollHeight;
      const oldestBefore = wasEmpty ? Infinity : Math.min(...rows.keys());
      const seqs = [...room.messages.keys()].sort((a, b) => a - b);
      let next: HTMLElement | null = null;
      // Walk from the newest down so each new row goes just before its successor.
      for (let i = seqs.length - 1; i >= 0; i--) {
        const seq = seqs[i]!;
        const existing = rows.get(seq);
        if (existing) {
          next = existing;
          continue;
        }
        const added = row(room.messages.get(seq)!);
        list.insertBefore(added, next);
        rows.set(seq, added);
        next = added;
      }
      older.hidden = !room.hasOlder;
      drawPending();
      drawReceipts();
      const prepended = (seqs[0] ?? Infinity) < oldestBefore;
      if (wasEmpty || (nearBottom && !prepended)) el.scrollTop = el.scrollHeight;
      else if (prepended) el.scrollTop += el.scrollHeight - heightBefore;
    },
    scrollToBottom() {
      el.scrollTop = el.scrollHeight;
    },
  };
}
