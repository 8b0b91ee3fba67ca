import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Defence in depth behind "user text is only ever textContent": the built page may run
// only its own scripts. Build only: the dev server injects inline scripts for HMR.
const CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const csp: Plugin = {
  name: 'chat-csp',
  apply: 'build',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
};

// Built into clients/web/dist, which the gateway serves at `/`. In `vite dev`, /ws and
// /api go to a gateway on :3000 so the page talks to its own origin either way.
export default defineConfig({
  root,
  base: '/',
  plugins: [csp],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/ws': { target: 'ws://127.0.0.1:3000', ws: true },
      '/api': 'http://127.0.0.1:3000',
    },
  },
});
