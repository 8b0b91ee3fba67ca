import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configTable } from './config-table.ts';

it('README lists every configuration variable exactly as the schemas define them', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- config-table:start -->')[1]?.split('<!-- config-table:end -->')[0]?.trim();
  expect(table).toBe(configTable());
});

it('docs/openapi.json and docs/asyncapi.json are generated from the current contracts', async () => {
  const { API_DOCS } = await import('./api-docs.ts');
  for (const [file, build] of Object.entries(API_DOCS)) {
    expect(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), `${file} is stale: run npx tsx scripts/api-docs.ts`).toBe(build());
  }
});

it('the AsyncAPI document covers every request, every server frame and every bus event', async () => {
  const { REQUEST_DATA, SERVER_FRAME_DATA, ChatEvent } = await import('@chat/contracts');
  const doc = JSON.parse(readFileSync(new URL('../docs/asyncapi.json', import.meta.url), 'utf8'));
  const names = (channel: string) => Object.values(doc.channels[channel].messages as Record<string, { name: string }>).map((m) => m.name);
  expect(names('ws')).toEqual(expect.arrayContaining([...Object.keys(REQUEST_DATA), ...Object.keys(SERVER_FRAME_DATA)]));
  expect(names('chatEvents').sort()).toEqual(ChatEvent.options.map((e) => e.shape.type.value).sort());
  const openapi = JSON.parse(readFileSync(new URL('../docs/openapi.json', import.meta.url), 'utf8'));
  expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/metrics', '/api/v1/auth/guest', '/api/v1/rooms', '/api/v1/rooms/{roomId}', '/api/v1/rooms/{roomId}/members', '/api/v1/rooms/{roomId}/history', '/api/v1/stats']));
});

it('every relative link in README.md and docs/*.md points at a file in the repository', async () => {
  const { existsSync, readdirSync } = await import('node:fs');
  const docs = ['README.md', ...readdirSync(new URL('../docs', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const broken: string[] = [];
  for (const doc of docs) {
    const base = new URL(`../${doc}`, import.meta.url);
    for (const [, target] of readFileSync(base, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // http:, mailto:
      if (!existsSync(new URL(target!, base))) broken.push(`${doc} -> ${target}`);
    }
  }
  expect(broken).toEqual([]);
});
