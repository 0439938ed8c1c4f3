import { afterEach, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the default clock', () => {
  it('with ttlResolution, holds a reading until its timer clears it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const cache = new TtlCache<string, string>({ max: 10, ttl: 10, ttlResolution: 50 });
    cache.set('k', 'v');
    vi.advanceTimersByTime(20);
    expect(cache.get('k')).toBe('v'); // 20 ms passed, but the reading is held for 50
    vi.advanceTimersByTime(40);
    expect(cache.get('k')).toBeUndefined();
  });

  it('with ttlResolution 0, reads the time on every call', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const cache = new TtlCache<string, string>({ max: 10, ttl: 10, ttlResolution: 0 });
    cache.set('k', 'v');
    vi.advanceTimersByTime(10);
    expect(cache.get('k')).toBeUndefined();
  });

  it('rejects a negative ttlResolution, naming it', () => {
    expect(() => new TtlCache({ max: 1, ttlResolution: -1 })).toThrow(
      /ttlResolution must be a finite number/,
    );
  });
});
