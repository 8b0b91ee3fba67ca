export { buildChatApp, type ChatApp } from './app.ts';
export { openDatabase } from './db/open-database.ts';
export type { Database } from './db/database.ts';
export { ChatConfig } from './config.ts';
