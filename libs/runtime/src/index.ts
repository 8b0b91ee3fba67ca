export * from './shutdown.ts';
export * from './health-server.ts';
export * from './event-rate.ts';
export * from './dir-lock.ts';
export * from './proc-stat.ts';
export * from './bound-child.ts';
