// Chatdrop's service worker. The server fills in VERSION (a hash of this
// build's assets) and ASSETS (their URLs) when it serves /sw.js, so every
// deploy gets a new worker and a new cache, and never a stale mix.
const VERSION = '__VERSION__';
const ASSETS = __ASSETS__;
const STATIC = `chatdrop-static-${VERSION}`;
const PAGES = 'chatdrop-pages';

self.addEventListener('install', (event) => {
  // No skipWaiting here: the page offers "Reload to update" instead, so a
  // tab never runs old code against new assets.
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('chatdrop-static-') && name !== STATIC) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Files, sockets and server functions always go to the network.
  if (/^\/(uploads|ws|api)\//.test(url.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Pages come from the network; the last copy of each is kept so an offline
// reload still shows the room and its history.
async function page(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const saved = await cache.match(request, { ignoreSearch: true });
    if (saved) return saved;
    const home = await cache.match('/');
    if (home) return home;
    return new Response(
      '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        + '<title>Offline · Chatdrop</title><link rel="stylesheet" href="' + ASSETS.find((a) => a.endsWith('.css')) + '">'
        + '<main class="page"><section class="card"><h1>You are offline</h1>'
        + '<p>Chatdrop will load when you are back online.</p></section></main></html>',
      { headers: { 'Content-Type': 'text/html; charset=utf-8' } },
    );
  }
}
