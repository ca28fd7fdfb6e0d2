// Room options: a password and a lifetime. The creator sets them under
// "Room options"; anyone joining by code is asked for the password, a wrong
// one is refused, and the room says when it will be deleted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, log, person, roomCodeOf, serverAndBrowser,
} from './helpers.mjs';

for (const mode of MODES) {
  describe(`room passwords ${mode.name}`, () => {
    const env = serverAndBrowser();

    it('asks a joiner for the password, refuses a wrong one and lets the right one in', async () => {
      const alice = await person(env.browser, env.server, mode);
      await alice.goto('/');
      await alice.page.getByLabel('Your name').fill('Alice');
      await alice.page.getByText('Room options').click();
      await alice.page.getByLabel('Room password (optional)').fill('open sesame');
      await alice.page.getByLabel('Delete room after').selectOption({ label: '1 hour' });
      await alice.page.getByRole('button', { name: 'Create room' }).click();
      await alice.page.waitForURL(/\/room\/[A-Z0-9-]+$/);
      const code = roomCodeOf(alice.page);
      await alice.page.getByText(/^Deleted in (59 minutes|1 hour)$/).waitFor();
      await alice.page.getByRole('textbox', { name: 'Message' }).fill('only for those who know');
      await alice.page.getByRole('button', { name: 'Send' }).click();
      await log(alice).getByText('only for those who know', { exact: true }).waitFor();

      const bob = await person(env.browser, env.server, mode);
      await bob.goto('/');
      await bob.page.getByLabel('Your name').fill('Bob');
      await bob.page.getByLabel('Room code').fill(code);
      await bob.page.getByRole('button', { name: 'Join room' }).click();
      const alert = bob.page.getByRole('alert');
      await alert.getByText('This room has a password. Enter it to join.').waitFor();
      assert.equal(await bob.page.getByLabel('Room password (optional)').count(), 0, 'one password field');

      await bob.page.getByLabel('Room password', { exact: true }).fill('open sesam');
      await bob.page.getByRole('button', { name: 'Join room' }).click();
      await alert.getByText('Wrong room password', { exact: true }).waitFor();
      assert.equal(new URL(bob.page.url()).pathname, '/', 'still on the login page');

      await bob.page.getByLabel('Room password', { exact: true }).fill('open sesame');
      await bob.page.getByRole('button', { name: 'Join room' }).click();
      await bob.page.waitForURL(new RegExp(`/room/${code}$`));
      await log(bob).getByText('only for those who know', { exact: true }).waitFor();
      await alice.close();
      await bob.close();
    });
  });
}
