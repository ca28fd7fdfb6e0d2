// Message times in the reader's time zone, the same whether the server
// rendered them (history) or they arrived live.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODES, create, join, log, person, say, serverAndBrowser,
} from './helpers.mjs';

/** `HH:MM` of an ISO time in `timeZone`, as a 24-hour clock shows it. */
function clockIn(iso, timeZone) {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date(iso));
}

/** The `<time>` of the log entry with exactly `text`: its text and datetime. */
async function timeOf(p, text) {
  const entry = log(p).getByRole('listitem').filter({ has: p.page.getByText(text, { exact: true }) });
  const time = entry.locator('time');
  return { shown: await time.innerText(), iso: await time.getAttribute('datetime') };
}

/** The same, read from HTML the server sent, with the browser's parser. */
async function timeInHtml(p, html, text) {
  return p.page.evaluate(([source, wanted]) => {
    const doc = new DOMParser().parseFromString(source, 'text/html');
    const entry = [...doc.querySelectorAll('li.msg')]
      .find((li) => li.querySelector('.text')?.textContent === wanted);
    const time = entry?.querySelector('time');
    return time && { shown: time.textContent, iso: time.getAttribute('datetime') };
  }, [html, text]);
}

describe('times in the reader\'s time zone', () => {
  const env = serverAndBrowser();
  // UTC+05:45, no daylight saving: no offset can be mistaken for it.
  const kathmandu = 'Asia/Kathmandu';
  const newYork = 'America/New_York';

  it('shows server-rendered history and live messages at the same local times', async () => {
    const { p: alice, code } = await create(env.browser, env.server, MODES[0], 'Alice', { timezoneId: kathmandu });
    const bob = await join(env.browser, env.server, MODES[0], 'Bob', code, { timezoneId: newYork });
    await say(alice, 'before the reload');
    await log(alice).getByText('before the reload', { exact: true }).waitFor();
    await log(bob).getByText('before the reload', { exact: true }).waitFor();

    const live = await timeOf(alice, 'before the reload');
    assert.equal(live.shown, clockIn(live.iso, kathmandu), 'live, in Kathmandu time');
    assert.equal((await timeOf(bob, 'before the reload')).shown, clockIn(live.iso, newYork), 'each in their own zone');

    // The page as the server renders it now, before any script runs.
    const html = await (await alice.page.request.get(`/room/${code}`)).text();
    assert.deepEqual(await timeInHtml(alice, html, 'before the reload'), live, 'server-rendered, the same time');

    await alice.page.reload();
    await alice.page.locator('html[data-hydrated]').waitFor();
    await say(alice, 'after the reload');
    await log(alice).getByText('after the reload', { exact: true }).waitFor();
    assert.deepEqual(await timeOf(alice, 'before the reload'), live, 'history after hydration');
    const after = await timeOf(alice, 'after the reload');
    assert.equal(after.shown, clockIn(after.iso, kathmandu));
    await alice.close();
    await bob.close();
  });

  it('labels times UTC for a reader whose zone the server doesn\'t know yet', async () => {
    const { p: alice, code } = await create(env.browser, env.server, MODES[0], 'Alice', { timezoneId: kathmandu });
    await say(alice, 'hello');
    await log(alice).getByText('hello', { exact: true }).waitFor();
    const reader = await person(env.browser, env.server, MODES[1], { timezoneId: kathmandu });
    await reader.goto(`/room/${code}`);
    await reader.page.getByLabel('Your name').fill('Bob');
    await reader.page.getByRole('button', { name: 'Join room' }).click();
    await log(reader).getByText('hello', { exact: true }).waitFor();
    const shown = await timeOf(reader, 'hello');
    assert.equal(shown.shown, `${clockIn(shown.iso, 'UTC')} UTC`);
    await alice.close();
    await reader.close();
  });
});
