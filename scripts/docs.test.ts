import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configTable } from './config-table.ts';

it('README lists every configuration variable exactly as the schemas define them', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const table = readme.split('<!-- config-table:start -->')[1]?.split('<!-- config-table:end -->')[0]?.trim();
  expect(table).toBe(configTable());
});
