/** Writes docs/openapi.json and docs/asyncapi.json from the zod contracts (a test checks they are current). */
import { writeFileSync } from 'node:fs';
import { buildAsyncApi, buildOpenApi } from '@chat/contracts';

export const API_DOCS = {
  'docs/openapi.json': () => `${JSON.stringify(buildOpenApi(), null, 2)}\n`,
  'docs/asyncapi.json': () => `${JSON.stringify(buildAsyncApi(), null, 2)}\n`,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, build] of Object.entries(API_DOCS)) writeFileSync(new URL(`../${file}`, import.meta.url), build());
}
