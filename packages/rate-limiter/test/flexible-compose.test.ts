/**
 * RateLimiterUnion, RateLimiterQueue and BurstyRateLimiter against rate-limiter-flexible's
 * own, each over memory limiters of its library, with time faked alike.
 */
import * as flexible from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as ours from '../src/index.js';

type Library = typeof ours | typeof flexible;
const LIBRARIES: [string, Library][] = [
  ['ours', ours],
  ['rate-limiter-flexible', flexible],
];

async function outcome(promise: Promise<unknown>): Promise<{ ok: boolean; value: unknown }> {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(await promise)) };
  } catch (error) {
    const value = error instanceof Error ? { name: error.name, message: error.message } : error;
    return { ok: false, value: JSON.parse(JSON.stringify(value)) };
  }
}

/** Runs `scenario` on both libraries from the same fake time; returns both transcripts. */
async function both(
  scenario: (lib: Library) => Promise<unknown[]>,
): Promise<[unknown[], unknown[]]> {
  const transcripts: unknown[][] = [];
  for (const [, lib] of LIBRARIES) {
    vi.setSystemTime(1_700_000_000_000);
    transcripts.push(await scenario(lib));
  }
  return transcripts as [unknown[], unknown[]];
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiterUnion', () => {
  it('resolves every answer by prefix, or rejects with the refusals only, as there', async () => {
    const [mine, theirs] = await both(async (lib) => {
      const perSecond = new lib.RateLimiterMemory({ keyPrefix: 'second', points: 2, duration: 1 });
      const perMinute = new lib.RateLimiterMemory({ keyPrefix: 'minute', points: 3, duration: 60 });
      const union = new lib.RateLimiterUnion(perSecond, perMinute);
      const transcript = [];
      for (let i = 0; i < 4; i++) transcript.push(await outcome(union.consume('user')));
      vi.advanceTimersByTime(1000);
      for (let i = 0; i < 2; i++) transcript.push(await outcome(union.consume('user', 1)));
      return transcript;
    });
    expect(mine).toEqual(theirs);
    expect(mine[2]).toMatchObject({ ok: false, value: { second: { consumedPoints: 3 } } });
  });

  it('refuses a union of nothing or of something that is not a limiter, with the same messages', () => {
    for (const [, lib] of LIBRARIES) {
      expect(() => new lib.RateLimiterUnion()).toThrow(
        'RateLimiterUnion: at least one limiter have to be passed',
      );
      expect(() => new lib.RateLimiterUnion({} as never)).toThrow(
        'RateLimiterUnion: all limiters have to be instance of RateLimiterAbstract or RateLimiterCompatibleAbstract',
      );
    }
  });
});

describe('RateLimiterQueue', () => {
  it('hands tokens out in order as the window allows, resolving the points left', async () => {
    const [mine, theirs] = await both(async (lib) => {
      const limiter = new lib.RateLimiterMemory({ points: 2, duration: 1 });
      const queue = new lib.RateLimiterQueue(limiter, { maxQueueSize: 3 });
      const start = Date.now();
      const done: unknown[] = [];
      const calls = [1, 1, 1, 1, 2, 1].map((tokens, i) =>
        outcome(queue.removeTokens(tokens)).then((o) =>
          done.push({ i, at: Date.now() - start, ...o }),
        ),
      );
      await vi.advanceTimersByTimeAsync(4000);
      await Promise.all(calls);
      done.push(await outcome(queue.getTokensRemaining()));
      done.push(await outcome(queue.removeTokens(3)));
      done.push(await outcome(queue.getTokensRemaining('someone else')));
      return done;
    });
    expect(mine).toEqual(theirs);
    expect(mine).toContainEqual(
      expect.objectContaining({
        ok: false,
        value: { name: 'CustomError', message: "Number of requests reached it's maximum 3" },
      }),
    );
  });

  it('gives up on a request at its expiresUnixAt', async () => {
    const [mine, theirs] = await both(async (lib) => {
      const limiter = new lib.RateLimiterMemory({ points: 1, duration: 5 });
      const queue = new lib.RateLimiterQueue(limiter);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const calls = [queue.removeTokens(1), queue.removeTokens(1, 'limiter', nowSeconds + 2)].map(
        outcome,
      );
      await vi.advanceTimersByTimeAsync(6000);
      return Promise.all(calls);
    });
    expect(mine).toEqual(theirs);
    expect(mine[1]).toMatchObject({
      ok: false,
      value: { message: 'The request to remove tokens expired before it could be fulfilled' },
    });
  });

  it('asks again each second, not each millisecond, for a key whose record never expires', async () => {
    const limiter = new ours.RateLimiterMemory({ points: 1, duration: 0 });
    let calls = 0;
    const consume = limiter.consume.bind(limiter);
    limiter.consume = (key, points, options) => {
      calls++;
      return consume(key, points, options);
    };
    const queue = new ours.RateLimiterQueue(limiter);
    await queue.removeTokens(1); // spent, for good
    const waiting = queue.removeTokens(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBeLessThanOrEqual(5); // rate-limiter-flexible: about 3,000
    await limiter.delete('limiter');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(waiting).resolves.toBe(0);
  });
});

describe('BurstyRateLimiter', () => {
  it('allows from the burst limiter what the steady one refuses, answering as there', async () => {
    const [mine, theirs] = await both(async (lib) => {
      const bursty = new lib.BurstyRateLimiter(
        new lib.RateLimiterMemory({ points: 2, duration: 1 }),
        new lib.RateLimiterMemory({ keyPrefix: 'burst', points: 3, duration: 10 }),
      );
      const transcript = [];
      for (let i = 0; i < 7; i++) transcript.push(await outcome(bursty.consume('k')));
      // rate-limiter-flexible has `get` and `points` here, though its types do not say so.
      const read = bursty as ours.BurstyRateLimiter;
      transcript.push(await outcome(read.get('k')), await outcome(read.get('nobody')), read.points);
      vi.advanceTimersByTime(1000);
      transcript.push(await outcome(bursty.consume('k')));
      return transcript;
    });
    expect(mine).toEqual(theirs);
    expect(mine.filter((o) => (o as { ok: boolean }).ok === false)).toHaveLength(2);
  });
});
