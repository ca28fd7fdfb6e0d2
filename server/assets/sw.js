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
  if (request.method === 'POST' && url.origin === self.location.origin && url.pathname === '/share') {
    event.respondWith(receiveShare(request));
    return;
  }
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
    // A room that is gone (410): its saved copy goes too.
    if (response.status === 410) await cache.delete(request, { ignoreSearch: true });
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

// The share target (see the manifest): another app posts text or files to
// /share. They stay in this browser, in IndexedDB (Files are stored whole,
// without reading them into memory here), until the person picks a room on
// /share and that room posts them (app/src/share.rs reads the same store).
async function receiveShare(request) {
  try {
    const form = await request.formData();
    const field = (name) => (typeof form.get(name) === 'string' ? form.get(name) : '');
    // An empty file input still posts one nameless, empty file.
    const files = form.getAll('files').filter((f) => f instanceof File && f.name !== '');
    await keepShare({ key: 'pending', title: field('title'), text: field('text'), url: field('url'), files });
  } catch (error) {
    // Nothing kept: /share then says nothing is waiting.
    console.warn('Chatdrop could not keep what was shared:', error);
  }
  return Response.redirect('/share', 303);
}

function keepShare(record) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open('chatdrop-share', 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore('share', { keyPath: 'key' });
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const tx = db.transaction('share', 'readwrite');
      tx.objectStore('share').put(record);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}
