// The binary alone: copied into an empty folder, started there with only
// --port and --data-dir, it serves the whole site from inside itself
// (WASM, CSS, icons, the service worker), and people create a room, chat
// and share a file as they do against a checkout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MODES, create, eventually, freePort, join, launchBrowser, log, say, stopChild, waitUntilUp,
} from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The release binary when there is one (make test builds it); else the
// test build, which embeds the site the same way.
const bin = process.env.CHATDROP_RELEASE_BIN ?? process.env.CHATDROP_BIN
  ?? path.join(root, 'target', 'debug', 'chatdrop');
const mode = MODES[0];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('the chatdrop binary on its own', () => {
  const env = {};
  before(async () => {
    env.dir = mkdtempSync(path.join(tmpdir(), 'chatdrop-alone-'));
    copyFileSync(bin, path.join(env.dir, 'chatdrop'));
    const port = await freePort();
    env.url = `http://127.0.0.1:${port}`;
    env.child = spawn('./chatdrop', ['--port', String(port), '--data-dir', 'data'], {
      cwd: env.dir,
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { PATH: '/usr/bin:/bin', RUST_LOG: 'warn' },
    });
    let stderr = '';
    env.child.stderr.on('data', (chunk) => { stderr += chunk; process.stderr.write(chunk); });
    await waitUntilUp(env.url, { child: env.child, log: () => stderr });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    if (env.child) await stopChild(env.child);
    if (env.dir) rmSync(env.dir, { recursive: true, force: true });
  });

  it('serves the site from inside itself: create, chat, share a file', async () => {
    for (const file of ['/manifest.webmanifest', '/favicon.svg', '/sw.js']) {
      assert.equal((await fetch(env.url + file)).status, 200, file);
    }
    const site = { url: env.url };
    // `create` waits for hydration: the WASM came from the binary.
    const { p: alice, code } = await create(env.browser, site, mode, 'Alice');
    const bob = await join(env.browser, site, mode, 'Bob', code);
    await say(alice, 'Served by one file');
    await log(bob).getByText('Served by one file').waitFor({ timeout: 10_000 });

    const data = randomBytes(300_000);
    await bob.page.getByLabel('Attach file').setInputFiles({
      name: 'alone.bin', mimeType: 'application/octet-stream', buffer: data,
    });
    const link = log(alice).getByRole('link', { name: 'alone.bin', exact: true });
    await link.waitFor({ timeout: 15_000 });
    const [file] = await Promise.all([alice.page.waitForEvent('download'), link.click()]);
    assert.equal(sha256(readFileSync(await file.path())), sha256(data));
    await alice.close();
    await bob.close();
  });

  it('its command-line client: watch prints what a browser says, send shares a file it downloads', async () => {
    const site = { url: env.url };
    const { p: alice, code } = await create(env.browser, site, mode, 'Alice');
    const state = mkdtempSync(path.join(tmpdir(), 'chatdrop-cli-'));
    const cliEnv = { PATH: '/usr/bin:/bin', CHATDROP_STATE_DIR: state };
    const watch = spawn('./chatdrop', ['watch', '--url', env.url, '--room', code, '--name', 'Terminal'], {
      cwd: env.dir, stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv,
    });
    let printed = '';
    watch.stdout.on('data', (chunk) => { printed += chunk; });
    watch.stderr.on('data', (chunk) => process.stderr.write(chunk));
    try {
      await alice.page.getByRole('list', { name: 'Members' }).getByText('Terminal').waitFor({ timeout: 15_000 });
      await say(alice, 'Hello, terminal');
      await eventually(() => assert.match(printed, /^\d\d:\d\d Alice: Hello, terminal$/m), 10_000);

      const data = randomBytes(3_000_000);
      const file = path.join(state, 'from-cli.bin');
      writeFileSync(file, data);
      const sent = await new Promise((resolve) => {
        execFile('./chatdrop', ['send', '--url', env.url, '--room', code, '--name', 'Terminal', file,
          '--message', 'Sent from a terminal'], { cwd: env.dir, env: cliEnv },
        (error, stdout, stderr) => resolve({ code: error?.code ?? 0, stdout, stderr }));
      });
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^Shared from-cli\.bin \(2\.9 MB\): http:\/\/127\.0\.0\.1:\d+\/uploads\/[0-9a-f]{32}$/m);
      await log(alice).getByText('Sent from a terminal').waitFor({ timeout: 10_000 });
      const link = log(alice).getByRole('link', { name: 'from-cli.bin', exact: true });
      const [download] = await Promise.all([alice.page.waitForEvent('download'), link.click()]);
      assert.equal(sha256(readFileSync(await download.path())), sha256(data));
      await eventually(() => assert.match(printed, /Terminal: Sent from a terminal/), 10_000);
    } finally {
      watch.kill('SIGINT');
      await new Promise((resolve) => watch.once('exit', resolve));
      rmSync(state, { recursive: true, force: true });
      await alice.close();
    }
    assert.equal(watch.exitCode, 130);
  });
});
