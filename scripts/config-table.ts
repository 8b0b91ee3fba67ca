/**
 * Prints the configuration table of the README from the services' zod config schemas, so
 * the documentation cannot drift from the code (a test compares the two).
 */
import { describeConfig } from '@chat/config';
import { BroadcastConfig } from '../services/broadcast/src/config.ts';
import { ChatConfig } from '../services/chat/src/config.ts';
import { GatewayConfig } from '../services/gateway/src/config.ts';

export function configTable(): string {
  const rows = new Map<string, { default: string; description: string; services: string[] }>();
  for (const [service, schema] of [['gateway', GatewayConfig], ['chat', ChatConfig], ['broadcast', BroadcastConfig]] as const) {
    for (const v of describeConfig(schema)) {
      const row = rows.get(v.name) ?? { default: v.default, description: v.description, services: [] };
      row.services.push(service);
      rows.set(v.name, row);
    }
  }
  const lines = ['| variable | services | default | meaning |', '|---|---|---|---|'];
  for (const [name, r] of rows) lines.push(`| \`${name}\` | ${r.services.join(', ')} | ${r.default ? `\`${r.default}\`` : ''} | ${r.description.replaceAll('|', '\\|')} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());
