// What a room's owner can do from "Room settings" and the members list:
// lock the room, remove a member, delete anyone's message or file, delete
// the room for everyone; and what every member can do: delete their own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, entry, join, log, person, send, serverAndBrowser, tool,
} from './helpers.mjs';

/** Opens the room's settings from its header, as the owner. */
async function openSettings(p) {
  await p.page.getByRole('button', { name: 'Room settings' }).click();
  await p.page.getByRole('heading', { name: 'Room settings' }).waitFor();
}

for (const mode of MODES) {
  describe(`the room's owner ${mode.name}`, () => {
    const env = serverAndBrowser();

    it('locks the room against newcomers and unlocks it', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      await openSettings(alice);
      await alice.page.getByRole('button', { name: 'Lock room' }).click();
      await alice.page.getByRole('status').getByText('Room locked: nobody new can join.').waitFor();
      await alice.page.getByText('Locked: nobody new can join, even with the code.').waitFor();

      const carol = await person(env.browser, env.server, mode);
      await carol.goto(`/room/${code}`);
      await carol.page.getByLabel('Your name').fill('Carol');
      await carol.page.getByRole('button', { name: 'Join room' }).click();
      await carol.page.getByRole('alert')
        .getByText("This room is locked: its owner isn't letting new people in.").waitFor();

      await alice.page.getByRole('button', { name: 'Unlock room' }).click();
      await alice.page.getByRole('button', { name: 'Lock room' }).waitFor();
      await carol.page.getByRole('button', { name: 'Join room' }).click();
      await carol.page.waitForURL(new RegExp(`/room/${code}$`));
      await log(carol).waitFor();
      await alice.page.getByRole('link', { name: 'Back to the room' }).click();
      await log(alice).waitFor();
      await alice.close();
      await carol.close();
    });

    it('removes a member, whose tab says so and who cannot come back', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      const bob = await join(env.browser, env.server, mode, 'Bob', code);
      assert.equal(await bob.page.getByRole('button', { name: 'Room settings' }).count(), 0);
      assert.equal(await bob.page.getByRole('button', { name: 'Remove' }).count(), 0);
      await send(bob, 'hi, I am Bob');
      await entry(bob, 'hi, I am Bob').waitFor();
      // Online people have a "Remove" in the room's members list; without
      // JavaScript nobody is online, and the settings page lists everyone.
      if (!mode.js) await openSettings(alice);
      const members = alice.page.getByRole('list', { name: mode.js ? 'Members' : 'People in this room' });
      await members.getByRole('listitem').filter({ hasText: 'Bob' })
        .getByRole('button', { name: 'Remove' }).click();
      await alice.page.getByRole('status')
        .getByText('Removed. To keep them out for good, lock the room or change its password too.')
        .waitFor();

      const notice = 'You were removed from this room by its owner.';
      // With JavaScript, Bob's open tab follows by itself.
      if (!mode.js) await bob.page.reload();
      await bob.page.getByRole('alert').getByText(notice).waitFor();
      await bob.page.getByRole('button', { name: 'Join room' }).click();
      await bob.page.getByRole('alert').getByText(notice).waitFor();
      assert.equal(await log(bob).count(), 0, 'not back in');
      await alice.close();
      await bob.close();
    });

    it("lets a member delete their own message, and everyone sees it's gone", async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      const bob = await join(env.browser, env.server, mode, 'Bob', code);
      await send(bob, 'oops, wrong room 7731');
      await entry(bob, 'oops, wrong room 7731').waitFor();
      await send(alice, 'hello Bob');
      await entry(alice, 'hello Bob').waitFor();
      if (!mode.js) await bob.page.reload();
      assert.equal(
        await entry(bob, 'hello Bob').getByRole('button', { name: 'Delete', exact: true }).count(),
        0,
        "not someone else's",
      );

      await (await tool(bob, 'oops, wrong room 7731', 'Delete')).click();
      await bob.page.getByText('Delete this message for everyone?').waitFor();
      await bob.page.getByRole('button', { name: 'Delete message' }).click();
      await log(bob).getByText('Message deleted').waitFor();
      if (!mode.js) await alice.page.reload();
      await log(alice).getByText('Message deleted').waitFor();
      assert.equal(await log(alice).getByText('oops, wrong room 7731').count(), 0);
      await alice.page.reload();
      await log(alice).getByText('Message deleted').waitFor();
      assert.equal(await log(alice).getByText('oops, wrong room 7731').count(), 0, 'in history too');
      await alice.close();
      await bob.close();
    });

    it('deletes the room now, for everyone', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      const bob = await join(env.browser, env.server, mode, 'Bob', code);

      await openSettings(alice);
      await alice.page.getByText('Delete room now', { exact: true }).last().click();
      await alice.page.getByRole('button', { name: 'Delete the room for everyone' }).click();
      const gone = 'This room was deleted by its owner';
      await alice.page.getByRole('heading', { name: gone }).waitFor();
      if (!mode.js) await bob.page.reload();
      await bob.page.getByRole('heading', { name: gone }).waitFor();
      const response = await bob.page.request.get(`/room/${code}`);
      assert.equal(response.status(), 410);
      await alice.close();
      await bob.close();
    });
  });
}

describe('the room\'s owner with JavaScript, on files', () => {
  const mode = MODES.find((m) => m.js);
  const env = serverAndBrowser();

  it("deletes someone's file and its download answers 404", async () => {
    const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
    const bob = await join(env.browser, env.server, mode, 'Bob', code);
    await bob.page.getByLabel('Attach file').setInputFiles({
      name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from('secret minutes '.repeat(500)),
    });
    const link = log(alice).getByRole('link', { name: /minutes\.txt/ });
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.equal((await alice.page.request.get(href)).status(), 200);

    await (await tool(alice, 'minutes.txt', 'Delete')).click();
    await alice.page.getByRole('button', { name: 'Delete file' }).click();
    await log(alice).getByText('File deleted').waitFor();
    await log(bob).getByText('File deleted').waitFor();
    assert.equal((await bob.page.request.get(href)).status(), 404);
    await alice.close();
    await bob.close();
  });
});
