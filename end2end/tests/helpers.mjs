// Shared by the browser tests: start the real chatdrop binary on a free port
// with a fresh data dir, and open people in Debian's Chromium.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = process.env.CHATDROP_BIN ?? path.join(root, 'target', 'debug', 'chatdrop');

/** Every spec runs once hydrated and once as plain server-rendered HTML. */
export const MODES = [
  { name: 'with JavaScript', js: true },
  { name: 'without JavaScript', js: false },
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts chatdrop; `restart()` stops it gracefully and starts it again on
 * the same port and data, `stop()` ends it and removes its data.
 */
export async function startServer(extraArgs = []) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chatdrop-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  let child = await spawnServer(port, dataDir, url, extraArgs);
  const halt = () => stopChild(child);
  return {
    url,
    dataDir,
    async restart() {
      await halt();
      child = await spawnServer(port, dataDir, url, extraArgs);
    },
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function spawnServer(port, dataDir, url, extraArgs) {
  const child = spawn(
    bin,
    ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
      '--leptos-config', path.join(root, 'Leptos.toml'), '--presence-grace-ms', '3000', ...extraArgs],
    { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; process.stderr.write(chunk); });
  await waitUntilUp(url, { child, log: () => stderr });
  return child;
}

/** Whether `child` has ended (by exiting, or by a signal). */
const ended = (child) => child.exitCode !== null || child.signalCode !== null;

/**
 * Waits until `url` answers 200; fails, with `log()`, if `child` ends first
 * or 20 s pass.
 */
export async function waitUntilUp(url, { child, log = () => '', what = 'chatdrop' } = {}) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child && ended(child)) throw new Error(`${what} exited: ${log()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${what} did not start: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Stops `child` with SIGTERM unless it has ended already (a node a test
 * killed). A graceful stop takes a few seconds at most; one that hangs
 * must fail the test that caused it, not hold the whole suite.
 */
export async function stopChild(child) {
  if (ended(child)) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write('chatdrop did not stop within 15 s of SIGTERM: killing it\n');
    child.kill('SIGKILL');
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Launches Chromium. A launch can hang on a fresh machine (the first start
 * after installing it once held a whole suite until its time-out), so each
 * try gets 30 s and a hung one is retried.
 */
export async function launchBrowser() {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await chromium.launch({
        executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
        headless: true,
        timeout: 30_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    } catch (error) {
      if (attempt === 3) throw error;
      process.stderr.write(`Chromium did not start (${error.message.split('\n')[0]}); trying again\n`);
    }
  }
}

/**
 * A person in their own browser context. With JavaScript, `goto` waits for
 * hydration, so clicks go to the WASM app rather than racing it.
 */
export async function person(browser, server, { js }, options = {}) {
  const context = await browser.newContext({ javaScriptEnabled: js, baseURL: server.url, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  if (process.env.E2E_CONSOLE) page.on('console', (m) => process.stderr.write(`[console] ${m.text()}\n`));
  page.on('dialog', (d) => { errors.push(new Error(`unexpected dialog: ${d.message()}`)); d.dismiss(); });
  return {
    page,
    context,
    errors,
    async goto(url) {
      await page.goto(url);
      if (js) await page.locator('html[data-hydrated]').waitFor({ timeout: 15_000 });
    },
    async close() {
      assert.deepEqual(errors.map(String), [], 'no script errors or dialogs');
      await context.close();
    },
  };
}

/** Polls `fn` until it stops throwing (Playwright's expect, without @playwright/test). */
export async function eventually(fn, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The room code in the current URL: `/room/K7Q-DM3-XPA`. */
export function roomCodeOf(page) {
  const match = new URL(page.url()).pathname.match(/^\/room\/([A-Z0-9-]+)$/);
  assert.ok(match, `not a room URL: ${page.url()}`);
  return match[1];
}

/**
 * Registers hooks that start a server (with `extraArgs`) and a browser before
 * the suite's tests and stop them after; the returned object holds both once
 * started.
 */
export function serverAndBrowser(extraArgs = []) {
  const env = {};
  before(async () => {
    env.server = await startServer(extraArgs);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Creates a room as `name` (in a browser context with `options`, such as a
 * `timezoneId`); returns the person and the room's code.
 */
export async function create(browser, server, mode, name, options = {}) {
  const p = await person(browser, server, mode, options);
  await p.goto('/');
  await p.page.getByLabel('Your name').fill(name);
  await p.page.getByRole('button', { name: 'Create room' }).click();
  await p.page.waitForURL(/\/room\/[A-Z0-9-]+$/);
  await p.page.getByRole('log', { name: 'Messages' }).waitFor();
  return { p, code: roomCodeOf(p.page) };
}

export async function join(browser, server, mode, name, code, options = {}) {
  const p = await person(browser, server, mode, options);
  await p.goto(`/room/${code}`);
  await p.page.getByLabel('Your name').fill(name);
  await p.page.getByRole('button', { name: 'Join room' }).click();
  await p.page.getByRole('log', { name: 'Messages' }).waitFor();
  return p;
}

export const log = (p) => p.page.getByRole('log', { name: 'Messages' });

/** Sends a message with the keyboard (Enter), as people do. */
export async function say(p, text) {
  const box = p.page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}


/** Posts `text` with the composer's Send button (Enter needs JavaScript). */
export async function send(p, text) {
  await p.page.getByRole('textbox', { name: 'Message' }).fill(text);
  await p.page.getByRole('button', { name: 'Send' }).click();
}

/** The log entry whose own text (a message's, a file's name) holds `text`. */
export const entry = (p, text) => log(p).getByRole('listitem')
  .filter({ has: p.page.locator('.text, .file-name', { hasText: text }) });

/**
 * A button of the entry holding `text`: its tools show on hover (always,
 * on touch screens), so the pointer goes there first, as a reader's does.
 */
export async function tool(p, text, name) {
  await entry(p, text).hover();
  return entry(p, text).getByRole('button', { name, exact: true });
}

/** Headless Chromium has no background tabs: pretend this one is hidden. */
export const setHidden = (p, hidden) => p.page.evaluate((h) => {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
}, hidden);

/** A real PNG of `width`×`height` noise pixels: incompressible, so large. */
export function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), randomBytes(width * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}


/** Drops a file made of `bytes` onto the chat, as a file manager would. */
export async function drop(p, name, type, bytes) {
  const transfer = await p.page.evaluateHandle(({ b64, name: fileName, type: fileType }) => {
    const raw = atob(b64);
    const data = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([data], fileName, { type: fileType }));
    return dt;
  }, { b64: bytes.toString('base64'), name, type });
  const target = p.page.locator('.chat');
  await target.dispatchEvent('dragenter', { dataTransfer: transfer });
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}
