export * from './ws-client.ts';
export * from './postgres.ts';
export * from './stack.ts';
export * from './processes.ts';
export * from './databases.ts';
export * from './nats-cluster.ts';
