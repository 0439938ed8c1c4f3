import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../src/deadlines.js';
import { isRedisTimeoutError } from '../src/errors.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('Deadlines', () => {
  it('answers in time with the value, and late with RedisTimeoutError naming the call', async () => {
    const deadlines = new Deadlines();
    await expect(deadlines.within(Promise.resolve(7), 50, 'test GET')).resolves.toBe(7);
    const never = new Promise<never>(() => {});
    const error = await deadlines.within(never, 5, 'test GET').catch((e: unknown) => e);
    expect(isRedisTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('test GET: no answer from Redis within 5 ms');
    expect(deadlines.pending).toBe(0);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires calls of several timeouts in due order, whatever order they started in', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines({ now: () => Date.now() });
    const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
    const expired: string[] = [];
    const track = (ms: number, name: string) =>
      deadlines.within(new Promise(() => {}), ms, name).catch(() => expired.push(name));
    track(300, 'c');
    track(100, 'a');
    await advance(50);
    track(100, 'b'); // due at 150
    track(1000, 'd');
    await advance(60);
    expect(expired).toEqual(['a']);
    await advance(50);
    expect(expired).toEqual(['a', 'b']);
    await advance(200);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(deadlines.pending).toBe(1);
  });

  it('forgets a call that answered: it never rejects later, and a late error is swallowed', async () => {
    const deadlines = new Deadlines();
    let fail!: (e: Error) => void;
    const late = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const answered = deadlines.within(Promise.resolve('ok'), 5, 'x');
    const timedOut = deadlines.within(late, 5, 'y').catch((e: unknown) => e);
    await expect(answered).resolves.toBe('ok');
    expect(isRedisTimeoutError(await timedOut)).toBe(true);
    fail(new Error('late')); // would be an unhandled rejection if not absorbed
    await tick();
    expect(deadlines.pending).toBe(0);
  });
});

describe('Deadlines and the process', () => {
  it('holds the process only while a call is in flight', async () => {
    const deadlines = new Deadlines();
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = handles();
    let answer!: (v: string) => void;
    const call = deadlines.within(new Promise<string>((r) => (answer = r)), 60_000, 'x');
    expect(handles()).toBe(before + 1);
    answer('ok');
    await call;
    expect(handles()).toBe(before);
  });
});
