// The first thing a user does: pick a name, create or join a room, leave.
// Every scenario runs with JavaScript (hydrated; pages change in place) and
// without (server-rendered forms and redirects).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MODES, create, eventually, person, roomCodeOf, serverAndBrowser } from './helpers.mjs';

for (const mode of MODES) {
  describe(`login and rooms ${mode.name}`, () => {
    const env = serverAndBrowser();

    it('creates a room, lets a second person join by code, and leaves', async () => {
      const alice = await person(env.browser, env.server, mode);
      await alice.goto('/');
      if (mode.js) await alice.page.evaluate(() => { window.__sameDocument = true; });
      await alice.page.getByLabel('Your name').fill('Alice');
      await alice.page.getByRole('button', { name: 'Create room' }).click();
      await alice.page.waitForURL(/\/room\/[A-Z0-9-]+$/);
      const code = roomCodeOf(alice.page);
      const heading = alice.page.getByRole('heading', { level: 1 });
      await eventually(async () => assert.match(await heading.innerText(), new RegExp(code)));
      if (mode.js) {
        assert.equal(await alice.page.evaluate(() => window.__sameDocument), true,
          'moving to the room happens in place, not by a reload');
        await eventually(async () => assert.equal(await alice.page.evaluate(() => document.activeElement?.id),
          'room-title', 'the new page is read from its heading'));
      }
      if (mode.js) {
        await alice.page.getByRole('button', { name: 'Copy invite link' }).waitFor();
      } else {
        assert.equal(await alice.page.getByRole('button', { name: 'Copy invite link' }).count(), 0,
          'a button that needs JavaScript is not shown without it');
      }

      const bob = await person(env.browser, env.server, mode);
      await bob.goto('/');
      await bob.page.getByLabel('Your name').fill('Bob');
      await bob.page.getByLabel('Room code').fill(code.toLowerCase().replaceAll('-', ' '));
      await bob.page.getByRole('button', { name: 'Join room' }).click();
      await bob.page.waitForURL(`**/room/${code}`);
      await eventually(async () =>
        assert.match(await bob.page.getByRole('heading', { level: 1 }).innerText(), new RegExp(code)));
      await bob.page.getByText('Bob', { exact: true }).waitFor();

      await bob.page.getByRole('button', { name: 'Leave' }).click();
      await bob.page.waitForURL((url) => url.pathname === '/');
      await bob.page.getByRole('heading', { name: `You left room ${code}` }).waitFor();
      await eventually(async () => assert.equal(await bob.page.getByLabel('Your name').inputValue(), 'Bob'));
      // "Rejoin" keeps the code: one click and Bob is back.
      await bob.page.getByRole('button', { name: 'Rejoin' }).click();
      await bob.page.waitForURL(`**/room/${code}`);
      await bob.page.getByRole('button', { name: 'Leave' }).click();
      await bob.page.getByRole('heading', { name: `You left room ${code}` }).waitFor();
      await bob.page.getByRole('link', { name: 'Another room' }).click();
      await bob.page.getByRole('button', { name: 'Join room' }).waitFor();
      assert.equal(await bob.page.getByLabel('Room code').inputValue(), '');
      await bob.page.goto('/room');
      assert.equal(new URL(bob.page.url()).pathname, '/', '/room sends someone who left home');

      await alice.page.goto('/room');
      assert.equal(new URL(alice.page.url()).pathname, `/room/${code}`, '/room sends Alice back to her room');
      await alice.close();
      await bob.close();
    });

    if (mode.js) {
      it('follows the back and forward buttons without reloading', async () => {
        const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
        await alice.page.evaluate(() => { window.__sameDocument = true; });
        const heading = alice.page.getByRole('heading', { level: 1 });
        await eventually(async () => assert.match(await heading.innerText(), new RegExp(code)));
        assert.equal(await alice.page.title(), `Room ${code} · Chatdrop`);
        const pageLoads = [];
        alice.page.on('request', (r) => {
          if (new URL(r.url()).pathname === '/api/page') pageLoads.push(r.url());
        });
        // An in-page #link is a step in history too, but no new page.
        await alice.page.evaluate(() => { window.location.hash = 'latest'; });
        await alice.page.goBack();
        assert.equal(new URL(alice.page.url()).pathname, `/room/${code}`);

        await alice.page.goBack();
        await alice.page.getByRole('button', { name: 'Create room' }).waitFor();
        assert.equal(pageLoads.length, 1, 'only leaving the room loaded a page');
        assert.equal(new URL(alice.page.url()).pathname, '/');
        assert.equal(await alice.page.getByLabel('Your name').inputValue(), 'Alice');
        await eventually(async () => assert.equal(await alice.page.title(), 'Chatdrop'));

        await alice.page.goForward();
        await eventually(async () => assert.match(await heading.innerText(), new RegExp(code)));
        assert.equal(new URL(alice.page.url()).pathname, `/room/${code}`);
        await eventually(async () => assert.equal(await alice.page.title(), `Room ${code} · Chatdrop`));
        assert.equal(await alice.page.evaluate(() => window.__sameDocument), true,
          'back and forward happen in place, not by reloads');
        await alice.close();
      });
    }

    it('opens an invite link with the code filled in', async () => {
      const alice = await person(env.browser, env.server, mode);
      await alice.goto('/');
      await alice.page.getByLabel('Your name').fill('Alice');
      await alice.page.getByRole('button', { name: 'Create room' }).click();
      await alice.page.waitForURL(/\/room\/[A-Z0-9-]+$/);
      const invite = alice.page.url();
      const code = roomCodeOf(alice.page);

      const carol = await person(env.browser, env.server, mode);
      await carol.goto(invite);
      assert.equal(await carol.page.getByLabel('Room code').inputValue(), code);
      await carol.page.getByLabel('Your name').fill('Carol');
      await carol.page.getByRole('button', { name: 'Join room' }).click();
      await carol.page.waitForURL(`**/room/${code}`);
      await carol.page.getByRole('button', { name: 'Leave' }).waitFor();
      await alice.close();
      await carol.close();
    });

    it('creates a room when Enter is pressed with an empty code', async () => {
      const frank = await person(env.browser, env.server, mode);
      await frank.goto('/');
      const code = frank.page.getByLabel('Room code');
      assert.equal(await code.inputValue(), '', 'the placeholder is not a value');
      assert.ok((await code.getAttribute('placeholder')).length > 0);
      await frank.page.getByLabel('Your name').fill('Frank');
      await frank.page.getByLabel('Your name').press('Enter');
      await frank.page.waitForURL(/\/room\/[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$/);
      await frank.page.getByRole('button', { name: 'Leave' }).waitFor();
      await frank.close();
    });

    it('explains bad input and keeps what was typed', async () => {
      const dave = await person(env.browser, env.server, mode);
      await dave.goto('/');
      await dave.page.getByRole('button', { name: 'Create room' }).click();
      await eventually(async () =>
        assert.match(await dave.page.getByRole('alert').innerText(), /Please enter your name/));
      // The field in error is marked, described by the alert, and has focus.
      const nameField = dave.page.getByLabel('Your name');
      await eventually(async () => {
        assert.equal(await nameField.getAttribute('aria-invalid'), 'true');
        assert.equal(await dave.page.evaluate(() => document.activeElement?.id), 'login-name');
      });
      const described = await nameField.getAttribute('aria-describedby');
      assert.match(await dave.page.locator(`#${described.split(' ').find((id) => id.includes('error'))}`).innerText(),
        /Please enter your name/);

      await dave.page.getByLabel('Your name').fill('x'.repeat(33));
      await dave.page.getByRole('button', { name: 'Create room' }).click();
      await eventually(async () =>
        assert.match(await dave.page.getByRole('alert').innerText(), /at most 32 characters/));

      await dave.page.getByLabel('Your name').fill('Dave');
      await dave.page.getByLabel('Room code').fill('ZZZ-ZZZ-ZZZ');
      await dave.page.getByRole('button', { name: 'Join room' }).click();
      await eventually(async () =>
        assert.match(await dave.page.getByRole('alert').innerText(), /no room with that code/));
      assert.equal(await dave.page.getByLabel('Your name').inputValue(), 'Dave');
      assert.equal(await dave.page.getByLabel('Room code').inputValue(), 'ZZZ-ZZZ-ZZZ');

      await dave.page.getByLabel('Room code').fill('not a code');
      await dave.page.getByRole('button', { name: 'Join room' }).click();
      await eventually(async () =>
        assert.match(await dave.page.getByRole('alert').innerText(), /doesn't look like a room code/));
      assert.equal(new URL(dave.page.url()).pathname, '/');
      await dave.close();
    });

    it('shows markup in a name as text', async () => {
      const eve = await person(env.browser, env.server, mode);
      await eve.goto('/');
      const name = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      await eve.page.getByLabel('Your name').fill(name.slice(0, 32));
      await eve.page.getByRole('button', { name: 'Create room' }).click();
      await eve.page.waitForURL(/\/room\//);
      await eve.page.getByText(name.slice(0, 32), { exact: true }).waitFor();
      await eve.page.reload();
      await eve.page.getByText(name.slice(0, 32), { exact: true }).waitFor();
      assert.equal(await eve.page.locator('img[src=x]').count(), 0);
      await eve.close();
    });
  });
}
