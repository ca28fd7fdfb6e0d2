// Registers the service worker and offers "Reload to update" when a new
// version is waiting. Plain JavaScript: it must work before (and without)
// the WASM app.
if ('serviceWorker' in navigator) {
  const offer = (worker) => {
    if (!navigator.serviceWorker.controller || document.getElementById('update-banner')) return;
    const banner = document.createElement('div');
    banner.id = 'update-banner';
    banner.className = 'update-banner';
    banner.setAttribute('role', 'status');
    const text = document.createElement('span');
    text.textContent = 'A new version of Chatdrop is ready.';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'primary';
    button.textContent = 'Reload to update';
    button.addEventListener('click', () => worker.postMessage('skip-waiting'));
    banner.append(text, button);
    document.body.append(banner);
  };
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only a worker the user asked for replaces the page's code.
    if (reloading || !document.getElementById('update-banner')) return;
    reloading = true;
    location.reload();
  });
  window.addEventListener('load', async () => {
    try {
      const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      if (registration.waiting) offer(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => {
          if (worker.state === 'installed') offer(worker);
        });
      });
    } catch (error) {
      console.warn('Chatdrop works without offline support here:', error);
    }
  });
}
