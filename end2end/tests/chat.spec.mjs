// Two people chatting: live delivery, presence, history after a reload and
// after a server restart. With JavaScript everything is live; without it,
// the page still shows history and sends through a plain form.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, eventually, join, log, say, serverAndBrowser, setHidden,
} from './helpers.mjs';

const members = (p) => p.page.getByRole('list', { name: 'Members' });

/** How many log entries contain exactly `text`. */
async function count(p, text) {
  return log(p).getByText(text, { exact: true }).count();
}

describe('chat with JavaScript', () => {
  const mode = MODES[0];
  const env = serverAndBrowser();

  it('delivers messages live, shows presence, and keeps history across a reload and a restart', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);

    await log(alice).getByText('Bob joined').waitFor({ timeout: 3_000 });
    await eventually(async () => assert.deepEqual(
      (await members(alice).getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s*\(you\)/, '')),
      ['Alice', 'Bob'],
    ));

    const started = Date.now();
    await say(alice, 'Hello Bob');
    await log(bob).getByText('Hello Bob', { exact: true }).waitFor({ timeout: 1_000 });
    assert.ok(Date.now() - started < 1_000, 'arrives within a second');

    await bob.page.getByRole('textbox', { name: 'Message' }).pressSequentially('typing…');
    await alice.page.getByText('Bob is typing…').waitFor({ timeout: 3_000 });

    const multiline = 'line one\nline two';
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('line one');
    await bob.page.getByRole('textbox', { name: 'Message' }).press('Shift+Enter');
    await bob.page.getByRole('textbox', { name: 'Message' }).pressSequentially('line two');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => assert.equal(await log(alice).locator('.text').last().innerText(), multiline));

    await say(alice, '<img src=x onerror=alert(1)>');
    await log(bob).getByText('<img src=x onerror=alert(1)>', { exact: true }).waitFor();
    assert.equal(await bob.page.locator('.log img').count(), 0);

    // A reload: history is there, and no leave/join pair is announced.
    await bob.page.reload();
    await bob.page.locator('html[data-hydrated]').waitFor();
    await log(bob).getByText('Hello Bob', { exact: true }).waitFor();
    await say(bob, 'back after reload');
    await log(alice).getByText('back after reload', { exact: true }).waitFor();
    assert.equal(await log(alice).getByText('Bob left').count(), 0);

    // A server restart: both reconnect, a message sent meanwhile arrives once.
    await say(alice, 'before restart');
    await log(bob).getByText('before restart', { exact: true }).waitFor();
    await env.server.restart();
    await say(alice, 'during restart');
    await log(bob).getByText('during restart', { exact: true }).waitFor({ timeout: 20_000 });
    await say(bob, 'after restart');
    await log(alice).getByText('after restart', { exact: true }).waitFor({ timeout: 10_000 });
    for (const text of ['Hello Bob', 'before restart', 'during restart', 'after restart']) {
      assert.equal(await count(alice, text), 1, `${text} once for Alice`);
      assert.equal(await count(bob, text), 1, `${text} once for Bob`);
    }

    await bob.page.getByRole('button', { name: 'Leave' }).click();
    await log(alice).getByText('Bob left').waitFor({ timeout: 3_000 });
    await eventually(async () => assert.deepEqual(
      (await members(alice).getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s*\(you\)/, '')),
      ['Alice'],
    ));
    await alice.close();
    await bob.close();
  });

  it('counts unread messages in the title while the tab is hidden', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await setHidden(bob, true);
    await say(alice, 'one');
    await say(alice, 'two');
    await eventually(async () => assert.match(await bob.page.title(), /^\(2\) Room /));
    await setHidden(bob, false);
    await eventually(async () => assert.match(await bob.page.title(), /^Room /));
    await alice.close();
    await bob.close();
  });

  it('notifies of messages while the tab is hidden, only once turned on', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    // Record notifications instead of showing them; permission is granted
    // when asked.
    await bob.context.addInitScript(() => {
      window.shown = [];
      window.Notification = class {
        static permission = 'default';
        static async requestPermission() { this.permission = 'granted'; return 'granted'; }
        constructor(title, options) { window.shown.push({ title, body: options?.body }); }
      };
    });
    await bob.page.reload();
    await bob.page.locator('html[data-hydrated]').waitFor();
    const toggle = bob.page.getByRole('button', { name: 'Notify me of new messages' });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false', 'off by default');
    await setHidden(bob, true);
    await say(alice, 'before turning them on');
    await log(bob).getByText('before turning them on').waitFor();
    await setHidden(bob, false);
    await toggle.click();
    await eventually(async () => assert.equal(await toggle.getAttribute('aria-pressed'), 'true'));
    await say(alice, 'while Bob looks');
    await log(bob).getByText('while Bob looks').waitFor();
    await setHidden(bob, true);
    await say(alice, 'while Bob is away');
    await eventually(async () => assert.deepEqual(
      await bob.page.evaluate(() => window.shown),
      [{ title: 'Alice', body: 'while Bob is away' }],
    ));
    await alice.close();
    await bob.close();
  });

  it('refuses an empty message with an alert', async () => {
    const { p: alice } = await create(env.browser, env.server, mode, 'Alice');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => assert.match(await alice.page.getByRole('alert').innerText(), /Type a message first/));
    await alice.close();
  });
});

describe('chat without JavaScript', () => {
  const mode = MODES[1];
  const env = serverAndBrowser();

  it('shows history and sends through the form', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('Hello from a plain form');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await log(alice).getByText('Hello from a plain form', { exact: true }).waitFor();
    await bob.page.reload();
    await log(bob).getByText('Hello from a plain form', { exact: true }).waitFor();
    await log(bob).getByText('Alice', { exact: true }).first().waitFor();

    await bob.page.getByRole('button', { name: 'Send' }).click();
    assert.match(await bob.page.getByRole('alert').innerText(), /Type a message first/);
    await alice.close();
    await bob.close();
  });
});
