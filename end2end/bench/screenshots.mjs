// Screenshots of every page state, desktop and phone, light and dark, for
// looking at (not a test): node bench/screenshots.mjs OUT_DIR
// Needs CHATDROP_BIN (a built server) like the tests.
import { launchBrowser, startServer } from '../tests/helpers.mjs';

const out = process.argv[2] ?? 'screenshots';
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const server = await startServer();
const browser = await launchBrowser();
const log = (page) => page.getByRole('log', { name: 'Messages' });

async function say(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await log(page).getByText(text.split('\n')[0].replace(/[*_`]/g, '')).first().waitFor();
}

try {
  // A picture to share: a gradient drawn by the browser itself.
  const painter = await browser.newPage({ viewport: { width: 640, height: 400 } });
  await painter.setContent('<body style="margin:0;background:linear-gradient(135deg,#4338ca,#f59e0b)">');
  const picture = await painter.screenshot();
  await painter.close();

  for (const js of [true, false]) {
    for (const [size, viewport] of Object.entries(sizes)) {
      for (const scheme of ['light', 'dark']) {
        const options = { baseURL: server.url, viewport, colorScheme: scheme, javaScriptEnabled: js, timezoneId: 'Europe/Berlin' };
        const context = await browser.newContext(options);
        const page = await context.newPage();
        const shot = (name) => page.screenshot({ path: `${out}/${name}-${js ? 'js' : 'nojs'}-${size}-${scheme}.png` });
        await page.goto('/');
        if (js) await page.locator('html[data-hydrated]').waitFor();
        await shot('login');
        await page.getByText('Room options').click();
        await shot('login-options');
        await page.getByText('Room options').click();
        await page.getByRole('button', { name: 'Create room' }).click();
        await page.getByRole('alert').waitFor();
        await shot('login-error');
        await page.getByLabel('Your name').fill('Alice');
        await page.getByRole('button', { name: 'Create room' }).click();
        await page.waitForURL(/\/room\//);
        await log(page).waitFor();
        if (js) await page.locator('html[data-hydrated]').waitFor();
        await shot('room-empty');

        // Bob joins and talks, so there are others' messages to answer.
        const bobContext = await browser.newContext(options);
        const bob = await bobContext.newPage();
        await bob.goto(page.url());
        await bob.getByLabel('Your name').fill('Bob Stone');
        await bob.getByRole('button', { name: 'Join room' }).click();
        await log(bob).waitFor();
        await say(bob, 'Hi Alice! The notes are at https://example.com/notes, ping me at bob@example.com');
        await say(bob, 'Run `cargo test` *before* you push, _please_.');
        await say(page, 'Hello there!');
        await say(page, 'A second message, somewhat longer, to see how a bubble wraps on a narrow phone screen.');
        if (js) {
          await page.getByRole('textbox', { name: 'Message' }).focus();
          const files = page.locator('input[type=file]').first();
          await files.setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: picture });
          await log(page).getByRole('link', { name: 'gradient.png' }).waitFor();
        }
        await page.reload();
        if (js) await page.locator('html[data-hydrated]').waitFor();
        await shot('room');

        const bobs = log(page).getByRole('listitem').filter({ hasText: 'cargo test' });
        await bobs.hover();
        await bobs.getByRole('button', { name: 'React' }).click();
        await shot('room-react');
        await page.getByRole('button', { name: '🎉' }).first().click();
        await bobs.getByRole('button', { name: /🎉/ }).waitFor();
        await bobs.hover();
        await bobs.getByRole('button', { name: 'Reply' }).click();
        await page.locator('.answering').waitFor();
        await shot('room-replying');
        await page.getByRole('textbox', { name: 'Message' }).fill('Will do!');
        await page.getByRole('button', { name: 'Send' }).click();
        await log(page).getByText('Will do!').waitFor();
        const mine = log(page).getByRole('listitem').filter({ hasText: 'Hello there!' });
        await mine.hover();
        await mine.getByRole('button', { name: 'Edit' }).click();
        await page.getByRole('textbox', { name: 'Message' }).fill('Hello there, Bob!');
        await page.getByRole('button', { name: 'Send' }).click();
        await log(page).getByText('(edited)').waitFor();
        await page.mouse.move(0, 0);
        await shot('room-conversation');
        if (js) {
          await page.getByRole('button', { name: 'View gradient.png' }).click();
          await page.getByRole('dialog').waitFor();
          await shot('room-viewer');
          await page.keyboard.press('Escape');
        }
        if (size === 'phone') {
          await page.getByRole('button', { name: 'Room menu' }).click();
          await page.getByRole('list', { name: 'Members' }).waitFor();
          await shot('room-menu');
          await page.getByRole('button', { name: 'Close menu' }).click();
        }
        const first = log(page).getByRole('listitem').filter({ hasText: 'A second message' });
        await first.hover();
        await first.getByRole('button', { name: 'Delete', exact: true }).click();
        await page.getByRole('button', { name: 'Delete message' }).waitFor();
        await shot('room-delete-confirm');
        await page.getByRole('button', { name: 'Delete message' }).click();
        await page.getByText('Message deleted').waitFor();
        await shot('room-deleted');
        if (size === 'phone') await page.getByRole('button', { name: 'Room menu' }).click();
        await page.getByRole('button', { name: 'Room settings' }).click();
        await page.getByRole('heading', { name: 'Room settings' }).waitFor();
        await shot('settings');
        await page.getByRole('button', { name: 'Lock room' }).click();
        await page.getByRole('status').getByText('Room locked').waitFor();
        await shot('settings-done');
        await page.getByRole('link', { name: 'Back to the room' }).click();
        await log(page).waitFor();
        if (size === 'phone') await page.getByRole('button', { name: 'Room menu' }).click();
        await page.getByRole('button', { name: 'Leave' }).click();
        await page.getByRole('button', { name: 'Rejoin' }).waitFor();
        await shot('left');
        await bobContext.close();
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
