export { buildGatewayApp, type GatewayApp } from './app.ts';
export { GatewayConfig } from './config.ts';
