// The app as an installed PWA: installable, controlled by its service
// worker, readable offline; and accessible (axe-core finds nothing).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  MODES, create, eventually, log, say, serverAndBrowser,
} from './helpers.mjs';

const mode = MODES[0];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the page as it is now. */
async function violations(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describe('installable, offline-capable and accessible', () => {
  const env = serverAndBrowser();

  it('has a manifest Chromium accepts for installation', async () => {
    // Installation needs a real profile: incognito contexts can't install.
    const profile = mkdtempSync(path.join(tmpdir(), 'chatdrop-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      baseURL: env.server.url,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      await page.goto('/');
      await page.locator('html[data-hydrated]').waitFor();
      const manifest = await page.request.get('/manifest.webmanifest');
      assert.equal(manifest.status(), 200);
      assert.match(manifest.headers()['content-type'], /^application\/manifest\+json/);
      for (const icon of ['/icons/icon-192.png', '/icons/icon-512.png', '/icons/maskable-512.png']) {
        assert.equal((await page.request.get(icon)).headers()['content-type'], 'image/png', icon);
      }
      const cdp = await context.newCDPSession(page);
      await eventually(async () => {
        const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
        assert.deepEqual(installabilityErrors, []);
      }, 10_000);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('is controlled by its service worker after a reload and shows the saved room offline', async () => {
    const { p, code } = await create(env.browser, env.server, mode, 'Alice');
    await say(p, 'saved for later');
    await log(p).getByText('saved for later', { exact: true }).waitFor();
    await p.page.evaluate(() => navigator.serviceWorker.ready);
    await p.page.reload();
    await p.page.locator('html[data-hydrated]').waitFor();
    assert.equal(await p.page.evaluate(() => Boolean(navigator.serviceWorker.controller)), true);
    const worker = await p.page.request.get('/sw.js');
    assert.equal(worker.headers()['cache-control'], 'no-cache');

    await p.context.setOffline(true);
    await p.page.reload();
    await p.page.locator('html[data-hydrated]').waitFor();
    assert.equal(new URL(p.page.url()).pathname, `/room/${code}`);
    await log(p).getByText('saved for later', { exact: true }).waitFor();
    await p.page.getByRole('status').getByText('You are offline').waitFor();
    assert.equal(await p.page.getByRole('button', { name: 'Send' }).isDisabled(), true);

    await p.context.setOffline(false);
    await eventually(async () => assert.equal(await p.page.getByRole('button', { name: 'Send' }).isDisabled(), false), 10_000);
    await p.close();
  });

  it('posts what another app shares in the room the person picks', async () => {
    const { p, code } = await create(env.browser, env.server, mode, 'Alice');
    await p.page.evaluate(() => navigator.serviceWorker.ready);
    await p.page.reload();
    await p.page.locator('html[data-hydrated]').waitFor();
    // The share sheet's request, as the manifest's share_target asks for
    // it: a multipart POST to /share, made here by a form in the page.
    await p.page.evaluate(() => {
      const form = document.createElement('form');
      Object.assign(form, { id: 'share-sheet', method: 'post', enctype: 'multipart/form-data', action: '/share' });
      for (const [name, value] of [['title', 'A page'], ['text', 'Look at this'], ['url', 'https://example.com/x']]) {
        form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
      }
      form.append(Object.assign(document.createElement('input'), { type: 'file', name: 'files', multiple: true }));
      document.body.append(form);
    });
    const bytes = Buffer.from('shared from another app\n');
    await p.page.setInputFiles('#share-sheet input[type=file]', { name: 'notes.txt', mimeType: 'text/plain', buffer: bytes });
    await p.page.evaluate(() => document.getElementById('share-sheet').submit());
    await p.page.waitForURL((url) => url.pathname === '/share');
    await p.page.locator('html[data-hydrated]').waitFor();
    const sharing = p.page.getByRole('status', { name: "What you're sharing" });
    await sharing.getByText('Look at this').waitFor();
    await sharing.getByText('notes.txt').waitFor();
    assert.equal(await p.page.getByLabel('Room code').inputValue(), code, 'the picker offers your room');

    await p.page.getByRole('button', { name: 'Join room' }).click();
    await p.page.waitForURL(`**/room/${code}`);
    await log(p).getByText(/Look at this\s+https:\/\/example\.com\/x/).waitFor();
    const link = log(p).getByRole('link', { name: 'notes.txt', exact: true });
    await link.waitFor({ timeout: 15_000 });
    const download = await p.page.request.get(await link.getAttribute('href'));
    assert.deepEqual(Buffer.from(await download.body()), bytes);

    // Posted once: nothing is left to share.
    await p.goto('/share');
    await sharing.getByText('Nothing is waiting to be shared.').waitFor();
    await p.page.goto(`/room/${code}`);
    await log(p).getByText(/Look at this/).waitFor();
    assert.equal(await log(p).getByText(/Look at this/).count(), 1);
    await p.close();
  });

  it('has no accessibility violations on the login page, in a room or on the share page', async () => {
    const context = await env.browser.newContext({ baseURL: env.server.url, bypassCSP: true });
    const page = await context.newPage();
    await page.goto('/');
    await page.locator('html[data-hydrated]').waitFor();
    assert.deepEqual(await violations(page), [], 'login page');
    await page.getByLabel('Your name').fill('Alice');
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.waitForURL(/\/room\//);
    await page.getByRole('log', { name: 'Messages' }).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('hello');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByRole('log', { name: 'Messages' }).getByText('hello').waitFor();
    assert.deepEqual(await violations(page), [], 'room page');
    await page.goto('/share');
    await page.locator('html[data-hydrated]').waitFor();
    await page.getByText('Nothing is waiting to be shared.').waitFor();
    assert.deepEqual(await violations(page), [], 'share page');
    await context.close();
  });
});
