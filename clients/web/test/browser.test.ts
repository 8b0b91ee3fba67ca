/**
 * The web app in a real browser against the real stack: two people chatting, then a
 * gateway restart under them. Uses the system Chromium through playwright-core (no
 * browser download).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TestClient, type TestStack } from '@chat/testing';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = `${ROOT}clients/web/dist/index.html`;
// The README's picture is refreshed on request only, so a test run leaves the tree clean.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? `${ROOT}docs/screenshot.png` : `${ROOT}.tmp/screenshot.png`;
const XSS_IMG = '<img src=x onerror=alert(1)>';
const XSS_SCRIPT = '<script>window.__pwned = 1</script>';

let stack: TestStack;
let browser: Browser;
let baseUrl: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const dialogs: string[] = [];

/** Newest modification time under a file or folder. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(`${path}/${name}`)));
}

/** dist is missing, or older than the app or SDK sources it was built from. */
function isBuildStale(): boolean {
  if (!existsSync(DIST)) return true;
  const sources = ['clients/web/src', 'clients/web/index.html', 'clients/web/vite.config.ts', 'clients/sdk/src'].map((p) => newest(`${ROOT}${p}`));
  return Math.max(...sources) > statSync(DIST).mtimeMs;
}

beforeAll(async () => {
  // The gateway serves dist only if it exists when it starts: build first.
  if (isBuildStale()) execFileSync('npx', ['vite', 'build', '--config', 'clients/web/vite.config.ts'], { cwd: ROOT, stdio: 'pipe' });
  stack = await startStack();
  baseUrl = stack.gateways[0]!.url;
  // A second gateway for scripted users who post in bulk (the pages keep the default limits).
  await stack.startGateway({ RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_SEC: '1000' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
});

async function login(username: string, viewport = { width: 1200, height: 760 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${username}: ${err.message}`));
  // An alert() would mean injected markup ran.
  page.on('dialog', (d) => {
    dialogs.push(`${username}: ${d.type()} ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${baseUrl}/?debug`);
  await page.fill('#login-username', username);
  await page.click('#login-submit');
  await page.waitForSelector('#conn-status[data-status="open"]');
  return page;
}

const messageTexts = (page: Page) => page.locator('#messages .message-rows .msg .msg-text').allTextContents();
const seqsShown = (page: Page) => page.locator('#messages .message-rows .msg').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));

async function send(page: Page, text: string) {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

async function openRoom(page: Page, roomId: string) {
  const item = page.locator(`#room-list [data-room-id="${roomId}"]`);
  if (!(await item.isVisible())) await page.click('#toggle-sidebar'); // narrow screens: drawer
  await item.click();
  await page.waitForSelector(`#room-list [data-room-id="${roomId}"].active`, { state: 'attached' });
}

let alice: Page;
let bob: Page;

describe('web app', { timeout: 60_000 }, () => {
  it('lets two users chat: typing, presence, a DM, unread badges, read receipts, and literal HTML', async () => {
    alice = await login('alice');
    bob = await login('bob');

    // Alice creates a room; Bob finds it in the browser and joins.
    await alice.click('#new-room');
    await alice.fill('#create-room-form-roomId', 'lobby');
    await alice.fill('#create-room-form-name', 'Lobby');
    await alice.click('#create-room-form button[type="submit"]');
    await alice.waitForSelector('#room-list [data-room-id="lobby"].active');
    await bob.click('#browse-rooms');
    await bob.click('[data-join="lobby"]');
    await bob.waitForSelector('#room-list [data-room-id="lobby"].active');
    await expect.poll(() => alice.locator('#toasts .toast').allTextContents()).toContain('bob joined #Lobby');

    // Messages both ways.
    await send(alice, 'Hello Bob!');
    await expect.poll(() => messageTexts(bob)).toEqual(['Hello Bob!']);
    await send(bob, 'Hi Alice, ça va ?');
    await expect.poll(() => messageTexts(alice)).toEqual(['Hello Bob!', 'Hi Alice, ça va ?']);

    // Typing indicator: shown while Bob types, gone once he sends.
    await bob.fill('#composer-input', 'typing something');
    await bob.locator('#composer-input').dispatchEvent('input');
    await expect.poll(() => alice.textContent('#typing')).toBe('bob is typing…');
    await bob.press('#composer-input', 'Enter');
    await expect.poll(() => alice.textContent('#typing')).toBe('');

    // Presence: Bob is online in Alice's member list, then away, then back.
    const bobDot = alice.locator('#members li[data-username="bob"] .dot');
    await expect.poll(() => bobDot.getAttribute('data-status')).toBe('online');
    await bob.selectOption('#my-status', 'away');
    await expect.poll(() => bobDot.getAttribute('data-status')).toBe('away');
    await bob.selectOption('#my-status', 'online');
    await expect.poll(() => bobDot.getAttribute('data-status')).toBe('online');

    // User text is text: markup arrives as the characters that were typed.
    await send(alice, XSS_IMG);
    await send(alice, XSS_SCRIPT);
    await expect.poll(async () => (await messageTexts(bob)).slice(-2)).toEqual([XSS_IMG, XSS_SCRIPT]);
    expect(await bob.locator('#messages img, #messages script').count()).toBe(0);
    expect(await bob.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    // A DM: Bob is told, sees an unread badge (he is in the lobby), opens it, badge gone.
    await alice.click('#new-dm');
    await alice.fill('#dm-form-to', 'bob');
    await alice.fill('#dm-form-text', 'psst, a secret');
    await alice.click('#dm-form button[type="submit"]');
    await expect.poll(() => bob.locator('#toasts .toast').allTextContents()).toContain('New direct message from alice');
    const dmItem = bob.locator('#room-list .room-item', { hasText: 'alice' });
    await expect.poll(() => dmItem.locator('[data-testid="unread"]').textContent()).toBe('1');
    await dmItem.click();
    await expect.poll(() => messageTexts(bob)).toEqual(['psst, a secret']);
    const dmRoomId = await dmItem.getAttribute('data-room-id');
    expect(dmRoomId).toMatch(/^dm-/);
    expect(await dmItem.locator('[data-testid="unread"]').count()).toBe(0);

    // Unread count in a room Bob is not looking at, and a read receipt once he does.
    await openRoom(alice, 'lobby');
    for (const text of ['one', 'two', 'three']) await send(alice, text);
    const lobbyBadge = bob.locator('#room-list [data-room-id="lobby"] [data-testid="unread"]');
    await expect.poll(() => lobbyBadge.textContent()).toBe('3');
    await openRoom(bob, 'lobby');
    await expect.poll(() => lobbyBadge.count()).toBe(0);
    // The receipt sits under the newest message Bob has read.
    await expect.poll(() => alice.locator('#messages .msg:last-child [data-testid="receipt"]').allTextContents()).toEqual(['✓ Seen by bob']);
    expect(await alice.locator('#messages [data-testid="receipt"]').count()).toBe(1);

    // Errors are toasts: creating a taken room id says so in the dialog.
    await bob.click('#new-room');
    await bob.fill('#create-room-form-roomId', 'lobby');
    await bob.click('#create-room-form button[type="submit"]');
    await expect.poll(() => bob.textContent('#create-room-form .form-error')).toBe('That room id is taken');
    await bob.keyboard.press('Escape');

    // For the screenshot: Bob answers the DM (an unread badge for Alice) and starts typing.
    await openRoom(bob, dmRoomId!);
    await send(bob, 'Thanks, got it.');
    await expect.poll(() => alice.locator('#room-list .room-item', { hasText: 'bob' }).locator('[data-testid="unread"]').textContent()).toBe('1');
    await openRoom(bob, 'lobby');
    await bob.fill('#composer-input', 'Sounds good');
    await bob.locator('#composer-input').dispatchEvent('input');
    await expect.poll(() => alice.textContent('#typing')).toBe('bob is typing…');

    expect(await alice.textContent('#conn-status')).toContain(stack.gateways[0]!.app.ctx.serverId);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await alice.screenshot({ path: SCREENSHOT });
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  it('fits a 375 px wide phone screen', async () => {
    const phone = await login('phone-user', { width: 375, height: 740 });
    // The room list is a drawer here: off screen until opened.
    expect(await phone.locator('#sidebar').evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(0);
    await phone.click('#toggle-sidebar');
    await expect.poll(() => phone.locator('#sidebar').evaluate((el) => Math.round(el.getBoundingClientRect().left))).toBe(0);
    await phone.click('#browse-rooms');
    await phone.click('[data-join="lobby"]');
    await expect.poll(() => messageTexts(phone)).toContain('three');
    // Opening a room closes the drawer; nothing is wider than the screen.
    await expect.poll(() => phone.locator('#sidebar').evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(0);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await send(phone, 'from a phone');
    await expect.poll(() => messageTexts(alice)).toContain('from a phone');

    // Bursting past the rate limit (20, then 5/s): failed sends are marked and a toast says why.
    await phone.click('#toggle-sidebar');
    await phone.click('#new-room');
    await phone.fill('#create-room-form-roomId', 'phone-room');
    await phone.click('#create-room-form button[type="submit"]');
    await phone.waitForSelector('#room-list [data-room-id="phone-room"].active', { state: 'attached' });
    for (let i = 1; i <= 30; i++) await send(phone, `burst ${i}`);
    await expect.poll(() => phone.locator('#toasts .toast-error').allTextContents()).toContainEqual(expect.stringMatching(/^Slow down: you can send again in \d+ s$/));
    const failed = phone.locator('#messages .pending.failed');
    await expect.poll(() => failed.count()).toBeGreaterThan(0);
    // Counted once every send of the burst is settled: a refusal still on its way would
    // otherwise add a failed bubble after the count (once seen: 6 where 5 was expected).
    await expect.poll(() => phone.locator('#messages .pending:not(.failed)').count()).toBe(0);
    const failedBefore = await failed.count();
    await phone.waitForTimeout(1200); // the bucket refills
    await failed.first().locator('button').click();
    await expect.poll(() => failed.count()).toBe(failedBefore - 1);
  });

  it('scrolls back through older messages page by page', async () => {
    const dora = await TestClient.guest(stack.gateways[1]!.wsUrl, 'dora');
    await dora.ok('room.created', 'room.create', { roomId: 'archive', name: 'Archive' });
    for (let i = 1; i <= 120; i++) await dora.ok('message.ack', 'message.send', { roomId: 'archive', text: `old ${i}` });
    await dora.ok('room.invited', 'room.invite', { roomId: 'archive', username: 'alice' });
    await expect.poll(() => alice.locator('#toasts .toast').allTextContents()).toContain('You were added to #Archive');
    await openRoom(alice, 'archive');
    await expect.poll(() => seqsShown(alice)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i));
    for (const expected of [100, 120]) {
      await alice.locator('#messages').evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(async () => (await seqsShown(alice)).length).toBe(expected);
    }
    expect(await seqsShown(alice)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(await alice.locator('[data-testid="load-older"]').isVisible()).toBe(false);
    await dora.close();
  });

  it('reconnects both pages after a gateway restart and shows every message exactly once', async () => {
    const gw = stack.gateways[0]!;
    const port = Number(new URL(gw.url).port);
    // Carol is on the other gateway and keeps talking while the first one is down.
    const carol = await TestClient.guest(stack.gateways[1]!.wsUrl, 'carol');
    await carol.ok('room.joined', 'room.join', { roomId: 'lobby' });
    await openRoom(alice, 'lobby');
    await openRoom(bob, 'lobby');
    const before = await messageTexts(alice);
    await expect.poll(() => messageTexts(bob)).toEqual(before);

    await gw.stop();
    await alice.waitForSelector('#conn-status[data-status="reconnecting"]');
    await bob.waitForSelector('#conn-status[data-status="reconnecting"]');
    for (const text of ['while', 'you', 'were', 'away']) await carol.ok('message.ack', 'message.send', { roomId: 'lobby', text });
    await send(alice, 'sent while offline'); // queued by the SDK, sent after the re-login

    const next = await stack.startGateway({}, { port });
    for (const page of [alice, bob]) {
      await page.waitForSelector('#conn-status[data-status="open"]', { timeout: 20_000 });
      expect(await page.textContent('#conn-status')).toContain(next.app.ctx.serverId);
    }
    await carol.ok('message.ack', 'message.send', { roomId: 'lobby', text: 'welcome back' });
    const expected = [...before, 'while', 'you', 'were', 'away', 'sent while offline', 'welcome back'];
    for (const page of [alice, bob]) {
      await expect.poll(() => messageTexts(page), { timeout: 15_000 }).toEqual(expected);
      const seqs = await seqsShown(page);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
      expect(await page.locator('#messages .pending-rows .msg').count()).toBe(0);
      // And the SDK itself handed each (roomId, seq) to the page once.
      const received = await page.evaluate(() => (window as unknown as { chatDebug: { received: Array<[string, number]> } }).chatDebug.received);
      expect(new Set(received.map(([r, s]) => `${r}:${s}`)).size).toBe(received.length);
    }
    await carol.close();
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
