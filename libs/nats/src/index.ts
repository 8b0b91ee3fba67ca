export * from './subjects.ts';
export * from './connect.ts';
export * from './streams.ts';
export * from './rpc.ts';
export * from './free-port.ts';
export * from './embedded-server.ts';
export * from './retry.ts';
