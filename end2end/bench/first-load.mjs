// First load on a slow phone, measured in Chromium: Lighthouse's mobile
// throttling (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, CPU 4×
// slower) applied through the DevTools protocol. For the login page and a
// room page, each from a cold cache in a fresh context: when the first
// content paints (the server-rendered HTML and CSS) and when the page is
// hydrated (the WASM downloaded, compiled and run). The gap between the
// two is what server rendering buys. Run by `scripts/bench.sh page`.
//
//   CHATDROP_BIN=target/release/chatdrop node bench/first-load.mjs [runs]
import {
  MODES, create, launchBrowser, log, say, startServer,
} from '../tests/helpers.mjs';

const runs = Number(process.argv[2] ?? 10);
const NETWORK = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};
const CPU_SLOWDOWN = 4;

const server = await startServer(['--new-room-burst', '1000']);
const browser = await launchBrowser();
try {
  // A room with some history, entered by one person whose cookie every
  // measured context reuses.
  const { p: bench } = await create(browser, server, MODES[0], 'Bench');
  const room = new URL(bench.page.url()).pathname;
  for (let i = 0; i < 20; i += 1) await say(bench, `Message number ${i} of the history a phone loads with the page.`);
  await log(bench).getByText('Message number 19', { exact: false }).waitFor();
  const { cookies } = await bench.context.storageState();
  await bench.close();

  const rows = [];
  for (const [label, path] of [['login page `/`', '/'], ['room page (20 messages)', room]]) {
    const samples = [];
    for (let i = 0; i < runs; i += 1) samples.push(await measure(path, cookies));
    rows.push([label, samples]);
  }

  console.log(`| page | first contentful paint p50 / max (ms) | hydrated p50 / max (ms) | hydrated ÷ FCP | bytes transferred |`);
  console.log('|---|---|---|---|---|');
  for (const [label, samples] of rows) {
    const fcp = samples.map((s) => s.fcp);
    const hydrated = samples.map((s) => s.hydrated);
    console.log(`| ${label} | ${median(fcp).toFixed(0)} / ${Math.max(...fcp).toFixed(0)} | `
      + `${median(hydrated).toFixed(0)} / ${Math.max(...hydrated).toFixed(0)} | `
      + `${(median(hydrated) / median(fcp)).toFixed(1)}× | ${(median(samples.map((s) => s.bytes)) / 1024).toFixed(1)} kB |`);
  }
} finally {
  await browser.close();
  await server.stop();
}

async function measure(path, cookies) {
  const context = await browser.newContext({ baseURL: server.url, serviceWorkers: 'block' });
  await context.addCookies(cookies);
  // The moment hydration marks the page, recorded by the page itself
  // (polling from here would add the poll's delay).
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.documentElement.hasAttribute('data-hydrated')) {
        window.hydratedAt = performance.now();
        observer.disconnect();
      }
      // The script runs before <html> exists: watch the whole document.
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  await page.goto(path, { waitUntil: 'commit' });
  await page.locator('html[data-hydrated]').waitFor({ timeout: 60_000 });
  const result = await page.evaluate(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const resources = performance.getEntriesByType('resource');
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      fcp: paint ? paint.startTime : NaN,
      hydrated: window.hydratedAt,
      bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    };
  });
  await context.close();
  return result;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
