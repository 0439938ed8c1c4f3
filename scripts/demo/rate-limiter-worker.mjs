// One worker thread of the demo: spends what it can of one key of the shared limiter.
import { parentPort, workerData } from 'node:worker_threads';
import { RateLimiter, sharedMemoryStore } from '@bulwark/rate-limiter';

const store = sharedMemoryStore({ name: workerData.storeName });
const limiter = new RateLimiter({ algorithm: 'fixed-window', limit: 100, windowMs: 60_000, store });
parentPort.once('message', () => {
  let admitted = 0;
  for (let i = 0; i < 1_000; i++) if (limiter.consumeSync('tenant:acme').allowed) admitted++;
  parentPort.postMessage(admitted);
  store.close();
});
parentPort.postMessage('ready');
