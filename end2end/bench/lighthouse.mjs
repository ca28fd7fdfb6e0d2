// Lighthouse (its default mobile preset: a mid-range phone on slow 4G,
// simulated) on the login page and on a room with 50 messages and 3
// images, in Debian's Chromium against the release build. Prints a
// markdown table of the performance, accessibility and best-practices
// scores, and any audit below full marks. Run by
// `scripts/bench.sh lighthouse`, which installs Lighthouse first.
//
//   CHATDROP_BIN=target/release/chatdrop node bench/lighthouse.mjs [runs]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MODES, create, drop, entry, launchBrowser, png, say, startServer,
} from '../tests/helpers.mjs';

const runs = Number(process.argv[2] ?? 3);
const tools = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/bench/node_modules');
const { default: lighthouse } = await import(path.join(tools, 'lighthouse/core/index.js'));
const chromeLauncher = await import(path.join(tools, 'chrome-launcher/dist/index.js'));

const server = await startServer(['--new-room-burst', '1000']);
const browser = await launchBrowser();
let chrome;
try {
  const { p: bench } = await create(browser, server, MODES[0], 'Bench');
  const room = new URL(bench.page.url()).pathname;
  // 50 messages, with a photo after every 15th.
  for (let i = 1; i <= 50; i += 1) {
    await say(bench, `Message number ${i}: the history a phone loads with the page, linking https://example.com/${i}.`);
    await entry(bench, `Message number ${i}:`).waitFor();
    if (i % 15 === 0) {
      const name = `photo-${i / 15}.png`;
      await drop(bench, name, 'image/png', png(800, 600));
      await bench.page.getByRole('button', { name: `View ${name}` }).waitFor({ timeout: 30_000 });
    }
  }
  const { cookies } = await bench.context.storageState();
  await bench.close();
  await browser.close();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const pages = [['login page `/`', '/', {}], ['room page (50 messages, 3 images)', room, { Cookie: cookie }]];
  const categories = ['performance', 'accessibility', 'best-practices'];
  console.log('| page | performance | accessibility | best practices | LCP (ms) | TBT (ms) | CLS |');
  console.log('|---|---|---|---|---|---|---|');
  const shortfalls = new Set();
  for (const [label, url, headers] of pages) {
    const samples = [];
    for (let i = 0; i < runs; i += 1) {
      const { lhr } = await lighthouse(`${server.url}${url}`, {
        port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: categories, extraHeaders: headers,
      });
      samples.push(lhr);
      for (const audit of Object.values(lhr.audits)) {
        if (audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== 'informative'
          && audit.scoreDisplayMode !== 'manual' && audit.scoreDisplayMode !== 'notApplicable') {
          shortfalls.add(`${label}: ${audit.id} (${audit.score}) ${audit.displayValue ?? ''}`);
        }
      }
    }
    const score = (c) => median(samples.map((l) => Math.round(l.categories[c].score * 100)));
    const metric = (id) => median(samples.map((l) => l.audits[id].numericValue));
    console.log(`| ${label} | ${score('performance')} | ${score('accessibility')} | ${score('best-practices')} | `
      + `${metric('largest-contentful-paint').toFixed(0)} | ${metric('total-blocking-time').toFixed(0)} | `
      + `${metric('cumulative-layout-shift').toFixed(3)} |`);
  }
  console.log(`\nmedian of ${runs} runs each; Lighthouse ${samplesVersion()} mobile preset, Chromium at ${process.env.CHROME_PATH ?? '/usr/bin/chromium'}`);
  if (shortfalls.size) {
    console.log('\naudits below full marks:');
    for (const s of shortfalls) console.log(`- ${s}`);
  }
} finally {
  await chrome?.kill();
  await browser.close().catch(() => {});
  await server.stop();
}

function samplesVersion() {
  return lighthouse.version ?? '12';
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
