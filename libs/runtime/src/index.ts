export * from './shutdown.ts';
export * from './health-server.ts';
