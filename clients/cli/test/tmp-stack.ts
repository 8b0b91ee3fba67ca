import { startStack } from '../../../libs/testing/src/stack.ts';
const stack = await startStack();
console.log('PORT', new URL(stack.gateways[0]!.url).port);
process.on('SIGTERM', async () => { await stack.stop(); process.exit(0); });
