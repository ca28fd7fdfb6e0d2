// Screenshots of every page state, desktop and phone, light and dark, for
// looking at (not a test): node bench/screenshots.mjs OUT_DIR
// Needs CHATDROP_BIN (a built server) like the tests.
import { launchBrowser, startServer } from '../tests/helpers.mjs';

const out = process.argv[2] ?? 'screenshots';
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const server = await startServer();
const browser = await launchBrowser();
try {
  for (const js of [true, false]) {
    for (const [size, viewport] of Object.entries(sizes)) {
      for (const scheme of ['light', 'dark']) {
        const context = await browser.newContext({
          baseURL: server.url, viewport, colorScheme: scheme, javaScriptEnabled: js, timezoneId: 'Europe/Berlin',
        });
        const page = await context.newPage();
        const shot = (name) => page.screenshot({ path: `${out}/${name}-${js ? 'js' : 'nojs'}-${size}-${scheme}.png` });
        await page.goto('/');
        if (js) await page.locator('html[data-hydrated]').waitFor();
        await shot('login');
        await page.getByText('Room options').click();
        await shot('login-options');
        await page.getByText('Room options').click();
        await page.getByLabel('Your name').fill('Alice');
        await page.getByRole('button', { name: 'Join room' }).click();
        await page.getByRole('alert').waitFor();
        await shot('login-error');
        await page.getByRole('button', { name: 'Create room' }).click();
        await page.waitForURL(/\/room\//);
        await page.getByRole('log', { name: 'Messages' }).waitFor();
        for (const text of ['Hello there!', 'A second message, somewhat longer, to see how a bubble wraps on a narrow phone screen.']) {
          await page.getByRole('textbox', { name: 'Message' }).fill(text);
          await page.getByRole('button', { name: 'Send' }).click();
          await page.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).waitFor();
        }
        await shot('room');
        const first = page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'Hello there!' });
        await first.getByRole('button', { name: 'Delete', exact: true }).click();
        await page.getByRole('button', { name: 'Delete message' }).waitFor();
        await shot('room-delete-confirm');
        await page.getByRole('button', { name: 'Delete message' }).click();
        await page.getByText('Message deleted').waitFor();
        await shot('room-deleted');
        await page.getByRole('button', { name: 'Room settings' }).click();
        await page.getByRole('heading', { name: 'Room settings' }).waitFor();
        await shot('settings');
        await page.getByRole('button', { name: 'Lock room' }).click();
        await page.getByRole('status').getByText('Room locked').waitFor();
        await shot('settings-done');
        await page.getByRole('link', { name: 'Back to the room' }).click();
        await page.getByRole('log', { name: 'Messages' }).waitFor();
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
