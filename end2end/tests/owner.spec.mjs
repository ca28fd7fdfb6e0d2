// The owner deletes the room for everyone: both people see it is gone, and
// its address answers 410.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, join, serverAndBrowser,
} from './helpers.mjs';

for (const mode of MODES) {
  describe(`the room's owner ${mode.name}`, () => {
    const env = serverAndBrowser();

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
