/** What a typed line means. Pure: running it is app.ts's job. */
export type Input =
  | { kind: 'none' }
  | { kind: 'say'; text: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'clear' }
  | { kind: 'rooms' }
  | { kind: 'create'; roomId: string; description?: string }
  | { kind: 'join'; roomId: string }
  | { kind: 'leave' }
  | { kind: 'users' }
  | { kind: 'history'; limit: number }
  | { kind: 'msg'; to: string; text: string }
  | { kind: 'presence'; status: 'online' | 'away' | 'dnd' }
  | { kind: 'invalid'; message: string };

export const HELP: Array<[string, string]> = [
  ['/help', 'this list'],
  ['/rooms', 'list rooms'],
  ['/create <room> [description]', 'create a public room and switch to it'],
  ['/join <room>', 'join (or switch to) a room'],
  ['/leave', 'leave the current room'],
  ['/users', 'members of the current room'],
  ['/history [n]', 'the last n messages (default 20)'],
  ['/msg <user> <text>', 'direct message'],
  ['/online /away /dnd', 'set your status'],
  ['/clear', 'clear the screen'],
  ['/quit', 'exit (also Ctrl-C)'],
  ['//text', 'send a line that starts with /'],
];

const DEFAULT_HISTORY = 20;
const MAX_HISTORY = 200; // the server clamps to this anyway

export function parseInput(line: string): Input {
  if (line.trim() === '') return { kind: 'none' };
  if (!line.startsWith('/')) return { kind: 'say', text: line };
  if (line.startsWith('//')) return { kind: 'say', text: line.slice(1) };
  const match = /^\/(\S+)\s*(.*)$/s.exec(line.trimEnd());
  const name = match?.[1]?.toLowerCase() ?? '';
  const rest = match?.[2] ?? '';
  const [first = '', ...others] = rest.split(/\s+/).filter(Boolean);
  const tail = rest.slice(first.length).trim(); // rest starts with `first`

  switch (name) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'clear':
      return { kind: 'clear' };
    case 'rooms':
      return { kind: 'rooms' };
    case 'users':
    case 'who':
      return { kind: 'users' };
    case 'leave':
      return { kind: 'leave' };
    case 'online':
    case 'away':
    case 'dnd':
      return { kind: 'presence', status: name };
    case 'join':
      return first ? { kind: 'join', roomId: first } : invalid('usage: /join <room>');
    case 'create':
      if (!first) return invalid('usage: /create <room> [description]');
      return tail ? { kind: 'create', roomId: first, description: tail } : { kind: 'create', roomId: first };
    case 'msg':
      return first && others.length ? { kind: 'msg', to: first, text: tail } : invalid('usage: /msg <user> <text>');
    case 'history': {
      if (!first) return { kind: 'history', limit: DEFAULT_HISTORY };
      const n = Number(first);
      return Number.isInteger(n) && n > 0 ? { kind: 'history', limit: Math.min(n, MAX_HISTORY) } : invalid('usage: /history [n], n > 0');
    }
    default:
      return invalid(`unknown command /${name} (try /help)`);
  }
}

const invalid = (message: string): Input => ({ kind: 'invalid', message });
