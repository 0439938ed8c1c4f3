// The caches under test behind one small shape, { get, set }. Each bench process runs a
// single contestant, so the call site stays monomorphic and the adapter costs the same for all.
import { LRUCache } from 'lru-cache';
import { LRUCache as MnemonistLRU } from 'mnemonist';
import QuickLRU from 'quick-lru';
import { LRUCache as OurLRUCache, TtlCache } from '../dist/index.js';
import { FloorLru } from './floor-lru.mjs';

/** `ours LRUCache` is the lru-cache drop-in (same API as lru-cache, `LRUCache` class). */
export const OURS = ['ours js', 'ours native', 'ours LRUCache'];
/** The drop-in on the native engine: values off the V8 heap, keys and order on it. */
export const LRU_NATIVE = 'ours LRUCache native';
export const ANCHORS = ['lru-cache', 'mnemonist', 'quick-lru'];
/** Not a cache: the least any exact LRU over a Map does (floor-lru.mjs), for the js goals. */
export const FLOOR = 'floor: bare Map + links LRU';
/** mnemonist's LRUCache has no TTL. */
export const WITH_TTL = ['ours js', 'ours native', 'ours LRUCache', 'lru-cache', 'quick-lru'];

/** @param {string} name @param {{ max: number, ttl?: number }} options */
export function makeCache(name, { max, ttl }) {
  switch (name) {
    case 'ours js':
    case 'ours native':
      return new TtlCache({ max, ttl, engine: name === 'ours js' ? 'js' : 'native' });
    case 'lru-cache':
      return new LRUCache({ max, ttl });
    case 'ours LRUCache':
      return new OurLRUCache({ max, ttl, engine: 'js' });
    case 'ours LRUCache native':
      return new OurLRUCache({ max, ttl, engine: 'native' });
    case 'mnemonist': {
      const cache = new MnemonistLRU(max);
      return { get: (k) => cache.get(k), set: (k, v) => cache.set(k, v) };
    }
    case FLOOR:
      return new FloorLru(max);
    case 'quick-lru':
      return new QuickLRU({ maxSize: max, maxAge: ttl });
    default:
      throw new Error(`unknown contestant ${name}`);
  }
}

/** A flat (not rope) string of `length` characters, distinct per `i`. */
export function valueFor(i, length = 100) {
  const digits = String(i);
  return Buffer.from('v'.repeat(length - digits.length) + digits, 'latin1').toString('latin1');
}

/** The same pseudo-random sequence in every process (a 32-bit LCG), so workloads match. */
export function randomInts(count, below, seed = 42) {
  const out = new Uint32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x % below;
  }
  return out;
}
