// The room as a chat app: a log that follows, a phone layout, rich text,
// replies, reactions and edits, the unread divider, collapsed notices,
// invites with a QR code, the image viewer, presence, and what the page
// does without JavaScript.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, drop, entry, eventually, join, log, person, png, say, send, serverAndBrowser,
  setHidden, tool,
} from './helpers.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

/** Whether `locator`'s element lies wholly inside the log's visible area. */
const inView = (locator) => locator.evaluate((el) => {
  const box = el.getBoundingClientRect();
  const area = el.closest('.log-scroll').getBoundingClientRect();
  return box.height > 0 && box.top >= area.top - 1 && box.bottom <= area.bottom + 1;
});

/** Says `count` numbered lines, each once it shows (as a person types). */
async function chatter(p, mode, prefix, count) {
  for (let i = 1; i <= count; i++) {
    const text = `${prefix} ${i}`;
    if (mode.js) await say(p, text); else await send(p, text);
    await entry(p, text).waitFor();
  }
}

describe('the room: what needs JavaScript', () => {
  const mode = MODES[0];
  const env = serverAndBrowser();

  it('keeps the log at the newest entry as images and messages arrive, and offers "New messages" when scrolled up', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await chatter(alice, mode, 'filler line', 20);

    await drop(bob, 'tall.png', 'image/png', png(600, 900));
    const preview = log(alice).getByRole('button', { name: 'View tall.png' }).locator('img');
    await eventually(async () => assert.ok(await preview.evaluate((img) => img.complete && img.naturalWidth > 0)), 15_000);
    // Its box was reserved from the stored size, capped in height.
    assert.deepEqual([await preview.getAttribute('width'), await preview.getAttribute('height')], ['160', '240']);
    await say(bob, 'right after the photo');
    const after = entry(alice, 'right after the photo');
    await after.waitFor();
    await eventually(async () => assert.ok(await inView(after), "Bob's next message is in Alice's view"));

    // Scrolled up, nothing moves; a button says how much is below.
    await alice.page.locator('.log-scroll').evaluate((el) => { el.scrollTop = 0; });
    await alice.page.waitForTimeout(200);
    await say(bob, 'first below');
    await say(bob, 'second below');
    const jump = alice.page.getByRole('button', { name: /New messages/ });
    await eventually(async () => assert.equal(await jump.innerText(), 'New messages 2'));
    assert.equal(await inView(entry(alice, 'second below')), false, 'the reader stays where they were');
    await jump.click();
    await eventually(async () => assert.ok(await inView(entry(alice, 'second below'))));
    await jump.waitFor({ state: 'detached' });
    await alice.close();
    await bob.close();
  });

  it('shows a "New" divider above the first message not seen, after a hidden tab and after coming back', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await say(alice, 'seen already');
    await entry(bob, 'seen already').waitFor();
    await setHidden(bob, true);
    await say(alice, 'while hidden one');
    await say(alice, 'while hidden two');
    await entry(bob, 'while hidden two').waitFor();
    await setHidden(bob, false);
    const divider = log(bob).locator('li.new-divider');
    await eventually(async () => assert.equal(await divider.count(), 1));
    assert.match(await divider.evaluate((li) => li.nextElementSibling.innerText), /while hidden one/);
    assert.equal(await divider.textContent(), 'New');

    // Closing the tab remembers what was seen; the next visit marks the rest.
    await bob.page.close();
    await say(alice, 'while away');
    const back = { page: await bob.context.newPage() };
    await back.page.goto(`/room/${code}`);
    await back.page.locator('html[data-hydrated]').waitFor();
    await entry(back, 'while away').waitFor();
    await eventually(async () => assert.match(
      await log(back).locator('li.new-divider').evaluate((li) => li.nextElementSibling.innerText), /while away/));
    await alice.close();
    await bob.context.close();
  });

  it('collapses runs of joins and leaves', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await log(alice).getByText('Bob joined').waitFor();
    // Bob leaves and comes straight back: one word for him, "joined".
    const members = alice.page.getByRole('list', { name: 'Members' });
    const count = () => members.getByRole('listitem').count();
    await bob.page.getByRole('button', { name: 'Leave' }).click();
    await eventually(async () => assert.equal(await count(), 1), 10_000);
    await bob.page.getByRole('button', { name: 'Rejoin' }).click();
    await bob.page.getByRole('log', { name: 'Messages' }).waitFor();
    // His page is up before his socket's join is stored: Alice speaks once
    // she sees him back, as a person would.
    await eventually(async () => assert.equal(await count(), 2), 10_000);
    await say(alice, 'welcome back');
    await entry(alice, 'welcome back').waitFor();
    const notices = () => log(alice).locator('li.notice').allInnerTexts();
    await eventually(async () => assert.deepEqual(await notices(), ['Alice and Bob joined']));

    const others = [];
    for (const name of ['Carol', 'Dave', 'Erin']) others.push(await join(env.browser, env.server, mode, name, code));
    await eventually(async () => assert.deepEqual(await notices(), ['Alice and Bob joined', '3 people joined']));
    await alice.page.reload();
    await alice.page.locator('html[data-hydrated]').waitFor();
    await eventually(async () => assert.deepEqual(await notices(), ['Alice and Bob joined', '3 people joined']),
      5_000);
    for (const p of [alice, bob, ...others]) await p.close();
  });

  it('invites with the link, a QR code, copy buttons that say "Copied" and the share sheet', async () => {
    const alice = await person(env.browser, env.server, mode);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await alice.context.addInitScript(() => {
      window.shared = [];
      navigator.share = async (data) => { window.shared.push(data); };
      navigator.canShare = () => true;
    });
    await alice.goto('/');
    await alice.page.getByLabel('Your name').fill('Alice');
    await alice.page.getByRole('button', { name: 'Create room' }).click();
    await alice.page.waitForURL(/\/room\//);
    const invite = alice.page.url();
    const code = new URL(invite).pathname.split('/').pop();

    // The quiet room invites people, with the link and the QR code.
    const welcome = alice.page.locator('.welcome');
    await welcome.getByRole('heading', { name: 'Invite someone to start' }).waitFor();
    assert.equal(await welcome.getByRole('link', { name: invite }).count(), 1);
    const qr = welcome.getByRole('img', { name: 'QR code of the invite link' });
    await eventually(async () => assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0)));
    const svg = await alice.page.request.get(await qr.getAttribute('src'));
    assert.equal(svg.status(), 200);
    assert.match(svg.headers()['content-type'], /^image\/svg\+xml/);
    assert.match(await svg.text(), /<svg/);
    const stranger = await env.browser.newContext();
    assert.equal((await stranger.request.get(`${env.server.url}/room/${code}/qr.svg`)).status(), 401,
      'only members get the code');
    await stranger.close();

    // Found by place: its name changes to "Copied" and back.
    const copyLink = alice.page.locator('.invite-actions button').first();
    assert.equal(await copyLink.innerText(), 'Copy invite link');
    await copyLink.click();
    await eventually(async () => assert.equal(await copyLink.innerText(), 'Copied',
      await alice.page.locator('.invite .hint').innerText()), 1_000);
    assert.equal(await alice.page.evaluate(() => navigator.clipboard.readText()), invite);
    await eventually(async () => assert.equal(await copyLink.innerText(), 'Copy invite link'), 3_500);
    await alice.page.getByRole('button', { name: 'Copy code' }).click();
    assert.equal(await alice.page.evaluate(() => navigator.clipboard.readText()), code);
    await alice.page.getByRole('button', { name: 'Share…' }).click();
    await eventually(async () =>
      assert.equal(await alice.page.evaluate(() => window.shared[0]?.url), invite));

    await say(alice, 'first words');
    await welcome.waitFor({ state: 'detached' });
    await alice.close();
  });

  it('shows everyone away while offline, with initials avatars', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob Stone', code);
    const members = alice.page.getByRole('list', { name: 'Members' });
    await eventually(async () => assert.equal(await members.getByRole('listitem').count(), 2));
    assert.deepEqual(await members.locator('.avatar').evaluateAll((a) => a.map((e) => e.dataset.initials)), ['A', 'BS']);
    await alice.context.setOffline(true);
    await alice.page.getByText("Reconnecting: who's here may have changed.").waitFor();
    assert.ok(await alice.page.locator('.members.away').count() === 1);
    await alice.context.setOffline(false);
    await alice.page.getByText("Reconnecting: who's here may have changed.").waitFor({ state: 'detached', timeout: 20_000 });
    await alice.close();
    await bob.close();
  });

  it('groups a run of messages under one name, marks days and your own', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await say(alice, 'first of a run');
    await say(alice, 'second of a run');
    await say(bob, 'an answer');
    await entry(bob, 'an answer').waitFor();
    await entry(alice, 'an answer').waitFor();
    const second = entry(alice, 'second of a run');
    assert.match(await second.getAttribute('class'), /\bgrouped\b/);
    assert.match(await second.getAttribute('class'), /\bmine\b/);
    assert.equal(await second.locator('.sender').isVisible(), false, 'the name shows once per run');
    assert.doesNotMatch(await entry(alice, 'first of a run').getAttribute('class'), /\bgrouped\b/);
    assert.doesNotMatch(await entry(alice, 'an answer').getAttribute('class'), /\bmine\b/);
    assert.equal(await log(alice).locator('li.day').first().innerText(), 'Today');
    const year = String(new Date().getFullYear());
    assert.match(await entry(alice, 'an answer').locator('time').getAttribute('title'), new RegExp(year));
    await alice.close();
    await bob.close();
  });

  it('opens an image in a viewer that Esc and "Close" dismiss, keeping the download link', async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    await drop(alice, 'view-me.png', 'image/png', png(300, 200));
    const bob = await join(env.browser, env.server, MODES[1], 'Bob', code);
    for (const p of [alice, bob]) {
      const open = log(p).getByRole('button', { name: 'View view-me.png' });
      await open.waitFor({ timeout: 15_000 });
      const viewer = p.page.getByRole('dialog', { name: 'view-me.png' });
      await open.click();
      await viewer.waitFor();
      assert.equal(await viewer.getByRole('link', { name: 'Download' }).count(), 1);
      await p.page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
      // From the keyboard: focus the preview, Enter opens, "Close" closes.
      await open.focus();
      await p.page.keyboard.press('Enter');
      await viewer.waitFor();
      await viewer.getByRole('button', { name: 'Close' }).click();
      await viewer.waitFor({ state: 'hidden' });
    }
    await alice.close();
    await bob.close();
  });
});

for (const mode of MODES) {
  describe(`the room ${mode.name}`, () => {
    const env = serverAndBrowser();

    it('fits a phone: the page never scrolls, the composer stays pinned and wide, the menu holds members and Leave', async () => {
      const { p: alice } = await create(env.browser, env.server, mode, 'Alice', PHONE);
      await chatter(alice, mode, 'a long enough log', 25);
      const page = alice.page;
      assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]), [844, 844],
        'the page itself never scrolls');
      const box = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
      assert.ok(box.width >= 0.6 * 390, `message box ${box.width}px wide`);
      const send = await page.getByRole('button', { name: 'Send' }).boundingBox();
      assert.ok(box.y > 700 && box.y + box.height <= 844 && send.y + send.height <= 844, 'the composer is on screen, at the bottom');
      assert.ok(await page.getByLabel('Attach file').count() === 1 || !mode.js);
      assert.ok(await inView(entry(alice, 'a long enough log 25')), 'the newest message is in view');
      const header = await page.locator('.room-header').boundingBox();
      assert.ok(header.height <= 72, `slim top bar: ${header.height}px`);

      await page.getByRole('button', { name: 'Room menu' }).click();
      const members = page.getByRole('list', { name: 'Members' });
      await members.waitFor();
      assert.match(await members.innerText(), /Alice/);
      await page.getByRole('button', { name: 'Leave' }).waitFor();
      await page.getByRole('button', { name: 'Close menu' }).click();
      await members.waitFor({ state: 'hidden' });
      await alice.close();
    });

    it('turns addresses into safe links and renders code and emphasis, never markup', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      const bob = await join(env.browser, env.server, MODES[0], 'Bob', code);
      const text = 'docs at https://example.com/a?b=1&c=2, www.rust-lang.org or bob@example.com; '
        + 'javascript:alert(1) and `x < y` with *bold* and _soft_ <b>not bold</b>';
      await send(alice, text);
      for (const p of [alice, bob]) {
        const it = entry(p, 'docs at');
        await it.waitFor();
        const links = await it.locator('.text a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href'), a.rel, a.target]));
        const safe = 'noopener noreferrer nofollow';
        assert.deepEqual(links, [
          ['https://example.com/a?b=1&c=2', 'https://example.com/a?b=1&c=2', safe, '_blank'],
          ['www.rust-lang.org', 'https://www.rust-lang.org', safe, '_blank'],
          ['bob@example.com', 'mailto:bob@example.com', safe, '_blank'],
        ]);
        assert.match(await it.locator('.text').innerText(), /javascript:alert\(1\)/);
        assert.equal(await p.page.locator('a[href^="javascript"], a[href^="data"]').count(), 0);
        assert.equal(await it.locator('.text code').innerText(), 'x < y');
        assert.equal(await it.locator('.text strong').innerText(), 'bold');
        assert.equal(await it.locator('.text em').innerText(), 'soft');
        assert.equal(await it.locator('.text b').count(), 0);
        assert.match(await it.locator('.text').innerText(), /<b>not bold<\/b>/);
      }
      await alice.close();
      await bob.close();
    });

    it('replies, reacts and edits, seen live by the other and after a reload', async () => {
      const { p: alice, code } = await create(env.browser, env.server, MODES[0], 'Alice');
      const bob = await join(env.browser, env.server, mode, 'Bob', code);
      await say(alice, 'who brings the cake?');
      if (!mode.js) await bob.page.reload();
      await entry(bob, 'who brings the cake?').waitFor();
      assert.equal(await entry(bob, 'who brings the cake?').getByRole('button', { name: 'Edit' }).count(), 0,
        "no Edit on someone else's message");

      // Reply: a quote above the composer, then on the reply itself.
      await (await tool(bob, 'who brings the cake?', 'Reply')).click();
      await bob.page.getByText('Replying to Alice').waitFor();
      await send(bob, 'me!');
      const reply = entry(alice, 'me!');
      await reply.waitFor();
      await reply.getByRole('link', { name: /who brings the cake\?/ }).waitFor();
      await entry(bob, 'me!').getByRole('link', { name: /who brings the cake\?/ }).waitFor();
      assert.equal(await bob.page.getByText('Replying to Alice').count(), 0, 'the quote leaves the composer');

      // React: the picker, then a count with who in its title.
      await (await tool(bob, 'who brings the cake?', 'React')).click();
      await bob.page.getByRole('button', { name: '🎉', exact: true }).click();
      const chip = entry(alice, 'who brings the cake?').getByRole('button', { name: /🎉/ });
      await chip.waitFor();
      assert.equal(await chip.innerText(), '🎉 1');
      assert.equal(await chip.getAttribute('title'), 'Bob');
      assert.equal(await chip.getAttribute('aria-pressed'), 'false', "not Alice's own");
      const bobsChip = entry(bob, 'who brings the cake?').getByRole('button', { name: /🎉/ });
      await bobsChip.waitFor();
      assert.equal(await bobsChip.getAttribute('aria-pressed'), 'true', 'his own, highlighted');
      // Alice adds hers by clicking the chip: two.
      await chip.click();
      await eventually(async () => assert.equal(await chip.innerText(), '🎉 2'));

      // Edit: the composer holds the text; the message says "edited".
      await (await tool(bob, 'me!', 'Edit')).click();
      const box = bob.page.getByRole('textbox', { name: 'Message' });
      await eventually(async () => assert.equal(await box.inputValue(), 'me!'));
      await send(bob, 'me, with candles');
      await entry(alice, 'me, with candles').getByText('(edited)').waitFor();
      await entry(bob, 'me, with candles').getByText('(edited)').waitFor();
      assert.equal(await entry(alice, 'me!').count(), 0);

      // The quote follows the original to it and highlights it.
      await entry(alice, 'me, with candles').getByRole('link', { name: /who brings the cake\?/ }).click();
      await eventually(async () => assert.ok(await inView(entry(alice, 'who brings the cake?'))));
      assert.equal(await entry(alice, 'who brings the cake?').evaluate((li) => li.matches(':target')), true);

      for (const p of [alice, bob]) {
        await p.page.reload();
        await entry(p, 'me, with candles').getByText('(edited)').waitFor();
        await entry(p, 'me, with candles').getByRole('link', { name: /who brings the cake\?/ }).waitFor();
        assert.equal(await entry(p, 'who brings the cake?').getByRole('button', { name: /🎉/ }).innerText(), '🎉 2');
      }
      await alice.close();
      await bob.close();
    });

    if (!mode.js) {
      it('has no connection banner, hides what needs JavaScript, and opens at the message just sent', async () => {
        const { p: alice } = await create(env.browser, env.server, mode, 'Alice');
        await chatter(alice, mode, 'line', 25);
        assert.match(alice.page.url(), /#e\d+$/);
        assert.ok(await inView(entry(alice, 'line 25')), 'the new message is in view');
        assert.equal(await alice.page.getByText(/Connecting/).count(), 0);
        assert.equal(await alice.page.locator('.status').isVisible(), false);
        for (const name of ['Copy invite link', 'Copy code', 'Share…', 'Notify me of new messages']) {
          assert.equal(await alice.page.getByRole('button', { name }).count(), 0, name);
        }
        const themes = await alice.page.locator('meta[name="theme-color"]').evaluateAll((ms) => ms.map((m) => m.media));
        assert.deepEqual(themes, ['(prefers-color-scheme: light)', '(prefers-color-scheme: dark)']);
        await alice.close();
      });
    }
  });
}
