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

  it('has no accessibility violations on the login page or in a room', async () => {
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
    await context.close();
  });
});
