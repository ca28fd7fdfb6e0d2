// Two Chatdrop nodes on one PostgreSQL and one Redis, behind nginx with
// the deployment guide's config: two people who land on different nodes
// chat and share a file, and keep chatting when a node is killed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MODES, create, eventually, freePort, join, launchBrowser, log, say, spawnServer, stopChild,
} from './helpers.mjs';
import { startNginx, startPostgres, startRedis } from './services.mjs';

const mode = MODES[0];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('two nodes behind nginx', () => {
  const env = { nodes: [] };
  before(async () => {
    env.postgres = await startPostgres();
    env.redis = await startRedis();
    env.dataDir = mkdtempSync(path.join(tmpdir(), 'chatdrop-e2e-shared-'));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = await spawnServer(port, env.dataDir, `http://127.0.0.1:${port}`, [
        '--database-url', env.postgres.url, '--redis-url', env.redis.url,
        '--node-timeout-ms', '3000', '--trusted-proxies', '127.0.0.1',
      ]);
      env.nodes.push({ port, child });
    }
    env.nginx = await startNginx(env.nodes.map((n) => n.port));
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.nginx?.stop();
    for (const node of env.nodes) await stopChild(node.child);
    await env.redis?.stop();
    await env.postgres?.stop();
    if (env.dataDir) rmSync(env.dataDir, { recursive: true, force: true });
  });

  /** The node ids each person of room `code` is listed under in Redis. */
  const nodesOf = (code) => {
    const fields = env.redis.cli('HKEYS', `chatdrop:online:${code.replaceAll('-', '')}`).stdout.trim().split('\n');
    return new Set(fields.filter(Boolean).map((f) => f.split(' ')[0]));
  };

  it('two people on different nodes chat and share a file, and go on when a node dies', async () => {
    const site = { url: env.nginx.url };
    const { p: alice, code } = await create(env.browser, site, mode, 'Alice');
    const bob = await join(env.browser, site, mode, 'Bob', code);
    await eventually(() => assert.equal(nodesOf(code).size, 2, 'one person on each node'), 10_000);
    // Each sees the other in the members list.
    for (const [p, other] of [[alice, 'Bob'], [bob, 'Alice']]) {
      await p.page.getByRole('list', { name: 'Members' }).getByText(other).waitFor({ timeout: 10_000 });
    }

    await say(alice, 'Hello from one node');
    await log(bob).getByText('Hello from one node').waitFor({ timeout: 10_000 });
    await say(bob, 'And hello from the other');
    await log(alice).getByText('And hello from the other').waitFor({ timeout: 10_000 });

    const data = randomBytes(2 * 1024 * 1024);
    await alice.page.getByLabel('Attach file').setInputFiles({
      name: 'report.bin', mimeType: 'application/octet-stream', buffer: data,
    });
    const link = log(bob).getByRole('link', { name: 'report.bin', exact: true });
    await link.waitFor({ timeout: 20_000 });
    const [file] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
    assert.equal(sha256(readFileSync(await file.path())), sha256(data), 'byte-identical download');

    // One node is killed: whoever was on it reconnects through nginx to
    // the other, and the conversation goes on with nothing lost.
    env.nodes[0].child.kill('SIGKILL');
    await say(alice, 'Still here after the crash');
    await log(bob).getByText('Still here after the crash').waitFor({ timeout: 20_000 });
    await say(bob, 'Me too');
    await log(alice).getByText('Me too').waitFor({ timeout: 20_000 });
    for (const p of [alice, bob]) {
      for (const text of ['Hello from one node', 'And hello from the other', 'Still here after the crash', 'Me too']) {
        assert.equal(await log(p).getByText(text, { exact: true }).count(), 1, `${text} once`);
      }
    }
    await alice.close();
    await bob.close();
  });
});
