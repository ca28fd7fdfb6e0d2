// The services a cluster runs on, started for one test file from Debian's
// packages (scripts/setup.sh --test installs them): PostgreSQL in a
// temporary directory, Redis, and nginx with docs/deploy/nginx.conf in
// front of the nodes. Each runs under a watchdog shell that stops it and
// removes its directory when this process is gone, however it ends.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntilUp } from './helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const asRoot = process.getuid?.() === 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `command` (a shell command line) beside a watchdog: the command is
 * stopped (SIGINT) once this process is gone, and `cleanup` runs after it.
 * `stop()` ends it now.
 */
function supervise(command, { dir, user, cleanup = '' }) {
  const pidFile = path.join(dir, 'supervised.pid');
  const script = `${command} & c=$!; echo $c > ${pidFile}; trap '' HUP INT TERM; `
    + `while [ -d /proc/${process.pid} ] && kill -0 $c 2>/dev/null; do sleep 0.2; done; `
    + `kill -INT $c 2>/dev/null; wait $c; ${cleanup}`;
  const [program, args] = user && asRoot
    ? ['runuser', ['-u', user, '--', 'sh', '-c', script]]
    : ['sh', ['-c', script]];
  // Its own process group: a Ctrl-C to the test run leaves the cleaning up
  // to it.
  const watchdog = spawn(program, args, { stdio: 'ignore', detached: true });
  const exited = new Promise((r) => watchdog.once('exit', r));
  return {
    async stop() {
      for (let i = 0; i < 100 && !existsSync(pidFile); i++) await sleep(50);
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGINT');
      } catch { /* already gone */ }
      await Promise.race([exited, sleep(15_000)]);
    },
  };
}

function run(program, args) {
  const [p, a] = asRoot && program.includes('postgresql')
    ? ['runuser', ['-u', 'postgres', '--', program, ...args]]
    : [program, args];
  const out = spawnSync(p, a, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${out.stdout}${out.stderr}`);
  return out.stdout;
}

/** `/usr/lib/postgresql/<newest>/bin`. */
function pgBin() {
  const versions = readdirSync('/usr/lib/postgresql')
    .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
    .filter((bin) => existsSync(path.join(bin, 'postgres')))
    .sort();
  if (!versions.length) throw new Error('PostgreSQL is not installed: run scripts/setup.sh --test');
  return versions.at(-1);
}

/** A PostgreSQL server with one empty database; its URL. */
export async function startPostgres() {
  const bin = pgBin();
  const dir = mkdtempSync(path.join(tmpdir(), 'chatdrop-e2e-pg-'));
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'chatdrop', '--auth=trust', '-E', 'UTF8',
    '--no-sync', '--locale=C.UTF-8']);
  const port = await freePort();
  const server = supervise(
    `${bin}/postgres -D ${data} -p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off `
      + `-c synchronous_commit=off >${dir}/log 2>&1`,
    { dir, user: 'postgres', cleanup: `rm -rf ${dir}` },
  );
  const ready = () => spawnSync(path.join(bin, 'pg_isready'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'chatdrop']).status === 0;
  for (let i = 0; !ready(); i++) {
    if (i > 300) throw new Error('PostgreSQL did not start');
    await sleep(100);
  }
  run(path.join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'chatdrop', '-d', 'postgres',
    '-q', '-c', 'CREATE DATABASE chatdrop']);
  return { url: `postgres://chatdrop@127.0.0.1:${port}/chatdrop`, stop: server.stop };
}

/** A Redis server that saves nothing; its URL and a `cli(args)` to ask it. */
export async function startRedis() {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatdrop-e2e-redis-'));
  const port = await freePort();
  const server = supervise(
    `redis-server --port ${port} --bind 127.0.0.1 --save '' --appendonly no --dir ${dir} >/dev/null`,
    { dir, cleanup: `rm -rf ${dir}` },
  );
  const cli = (...args) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  for (let i = 0; cli('PING').stdout.trim() !== 'PONG'; i++) {
    if (i > 200) throw new Error('Redis did not start');
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, cli, stop: server.stop };
}

/**
 * nginx with the deployment guide's config (docs/deploy/nginx.conf), its
 * two upstream nodes pointed at `nodes` (ports); its URL.
 */
export async function startNginx(nodes) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chatdrop-e2e-nginx-'));
  const port = await freePort();
  const site = readFileSync(path.join(root, 'docs', 'deploy', 'nginx.conf'), 'utf8')
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('127.0.0.1:3001', `127.0.0.1:${nodes[0]}`)
    .replace('127.0.0.1:3002', `127.0.0.1:${nodes[1]}`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;
${asRoot ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
${temp}
${site}
}
`);
  const server = supervise(`/usr/sbin/nginx -p ${dir} -e ${dir}/error.log -c ${dir}/nginx.conf`,
    { dir, cleanup: `rm -rf ${dir}` });
  const url = `http://127.0.0.1:${port}`;
  const errors = path.join(dir, 'error.log');
  const log = () => (existsSync(errors) ? readFileSync(errors, 'utf8') : '');
  await waitUntilUp(url, { log, what: 'nginx' });
  return { url, stop: server.stop };
}
