// What the room's owner can do: lock it against newcomers, and delete it
// for everyone (both people see it is gone, and its address answers 410).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, join, person, serverAndBrowser,
} from './helpers.mjs';

for (const mode of MODES) {
  describe(`the room's owner ${mode.name}`, () => {
    const env = serverAndBrowser();

    it('locks the room against newcomers and unlocks it', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      await alice.page.getByRole('button', { name: 'Lock room' }).click();
      await alice.page.getByRole('button', { name: 'Unlock room' }).waitFor();
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
      await carol.page.getByRole('log', { name: 'Messages' }).waitFor();
      await alice.close();
      await carol.close();
    });

    it('deletes the room now, for everyone', async () => {
      const { p: alice, code } = await create(env.browser, env.server, mode, 'Alice');
      const bob = await join(env.browser, env.server, mode, 'Bob', code);
      assert.equal(await bob.page.getByText('Delete room now').count(), 0, 'only the owner may');

      await alice.page.getByText('Delete room now').click();
      await alice.page.getByRole('button', { name: 'Delete the room for everyone' }).click();
      const gone = 'This room was deleted by its owner';
      await alice.page.getByRole('heading', { name: gone }).waitFor();
      // With JavaScript, Bob's open tab follows by itself.
      if (!mode.js) await bob.page.reload();
      await bob.page.getByRole('heading', { name: gone }).waitFor();
      const response = await bob.page.request.get(`/room/${code}`);
      assert.equal(response.status(), 410);
      await alice.close();
      await bob.close();
    });
  });
}
