export { createBroadcaster } from './consumer.ts';
export { eventToFanout, type FanoutMessage } from './fanout.ts';
