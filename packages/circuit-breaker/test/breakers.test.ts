import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  adaptiveBreaker,
  consecutiveBreaker,
  countWindowBreaker,
  rollingPercentageBreaker,
  slowCallBreaker,
  timeWindowBreaker,
} from '../src/index.js';

const { Closed, HalfOpen } = CircuitState;

function manualClock(start = 0) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe('consecutiveBreaker', () => {
  it('opens on the threshold-th failure in a row; a success starts the count again', () => {
    const b = consecutiveBreaker({ threshold: 3 });
    expect([b.failure(Closed), b.failure(Closed)]).toEqual([false, false]);
    b.success(Closed);
    expect([b.failure(Closed), b.failure(Closed), b.failure(Closed)]).toEqual([false, false, true]);
  });

  it('a failed probe always reopens, and its state survives a round trip', () => {
    const b = consecutiveBreaker({ threshold: 5 });
    expect(b.failure(HalfOpen)).toBe(true);
    const copy = consecutiveBreaker({ threshold: 5 });
    copy.state = b.state;
    expect(copy.state).toEqual({ failures: 1 });
  });

  it('names a bad threshold', () => {
    expect(() => consecutiveBreaker({ threshold: 0 })).toThrow(
      'consecutive.threshold must be a positive integer; got 0',
    );
    expect(() => consecutiveBreaker({ treshold: 3 } as never)).toThrow(
      'consecutiveBreaker: unknown option `treshold`; did you mean `threshold`?',
    );
  });
});

describe('countWindowBreaker', () => {
  it('waits for minimumCalls, then opens at the failure rate (at or above)', () => {
    const b = countWindowBreaker({ size: 4, failureRateThreshold: 0.5, minimumCalls: 4 });
    expect(b.failure(Closed)).toBe(false);
    b.success(Closed);
    expect(b.failure(Closed)).toBe(false); // 2 of 3: too few calls
    b.success(Closed);
    expect(b.shouldOpenAfterSuccess()).toBe(true); // 2 of 4 = 0.5
  });

  it('forgets calls that fall out of the last `size`', () => {
    const b = countWindowBreaker({ size: 3, failureRateThreshold: 0.6 });
    b.failure(Closed);
    b.failure(Closed);
    b.success(Closed); // 2 of 3 failed: 0.67
    expect(b.shouldOpenAfterSuccess()).toBe(true);
    b.success(Closed);
    b.success(Closed); // window: S S S... the failures left
    expect(b.shouldOpenAfterSuccess()).toBe(false);
  });

  it('counts slow calls and opens on the slow-call rate, even after a success', () => {
    const b = countWindowBreaker({ size: 2, slowCallDurationMs: 100, slowCallRateThreshold: 1 });
    b.success(Closed, { durationMs: 150 });
    expect(b.shouldOpenAfterSuccess()).toBe(false);
    b.success(Closed, { durationMs: 100 });
    expect(b.shouldOpenAfterSuccess()).toBe(true);
  });

  it('a successful probe empties the window', () => {
    const b = countWindowBreaker({ size: 2, failureRateThreshold: 0.5 });
    b.failure(Closed);
    b.failure(Closed);
    b.success(HalfOpen);
    expect(b.state).toMatchObject({ calls: 0 });
  });

  it('restores its window from state', () => {
    const b = countWindowBreaker({ size: 3 });
    b.failure(Closed);
    b.failure(Closed);
    const copy = countWindowBreaker({ size: 3 });
    copy.state = b.state;
    expect(copy.failure(Closed)).toBe(true);
  });

  it('names bad options', () => {
    expect(() => countWindowBreaker({ size: 1.5 })).toThrow(/countWindow\.size/);
    expect(() => countWindowBreaker({ size: 5, failureRateThreshold: 2 })).toThrow(
      /countWindow\.failureRateThreshold.*\(0, 1\]/,
    );
    expect(() => countWindowBreaker({ size: 5, minimumCalls: 0 })).toThrow(
      /countWindow\.minimumCalls/,
    );
  });
});

describe('timeWindowBreaker', () => {
  it('counts only the calls of the last windowMs', () => {
    const clock = manualClock();
    const b = timeWindowBreaker({ windowMs: 1000, buckets: 10, minimumCalls: 2, clock: clock.now });
    b.failure(Closed);
    clock.t = 950;
    b.success(Closed);
    expect(b.windowCounts()).toEqual({ calls: 2, failures: 1, slow: 0 });
    clock.t = 1050; // the first bucket (0..100 ms) has left the window
    expect(b.windowCounts()).toEqual({ calls: 1, failures: 0, slow: 0 });
  });

  it('holds nothing old after sitting idle (cockatiel issue #64)', () => {
    const clock = manualClock();
    const b = timeWindowBreaker({
      windowMs: 10_000,
      minimumCalls: 3,
      failureRateThreshold: 0.5,
      clock: clock.now,
    });
    b.failure(Closed);
    b.failure(Closed);
    clock.t = 3_600_000; // an hour of silence
    expect(b.failure(Closed)).toBe(false); // one failure in the window, not three
    expect(b.windowCounts().calls).toBe(1);
  });

  it('opens at the failure rate once minimumCalls is reached', () => {
    const clock = manualClock();
    const b = timeWindowBreaker({
      windowMs: 1000,
      minimumCalls: 3,
      failureRateThreshold: 0.6,
      clock: clock.now,
    });
    b.success(Closed);
    expect(b.failure(Closed)).toBe(false);
    expect(b.failure(Closed)).toBe(true);
  });

  it('slowCallBreaker opens when half the window is slow, and requires slowCallDurationMs', () => {
    const clock = manualClock();
    const b = slowCallBreaker({
      windowMs: 1000,
      minimumCalls: 2,
      slowCallDurationMs: 50,
      clock: clock.now,
    });
    b.success(Closed, { durationMs: 10 });
    b.success(Closed, { durationMs: 80 });
    expect(b.shouldOpenAfterSuccess()).toBe(true);
    expect(() => slowCallBreaker({ windowMs: 1000 } as never)).toThrow(/slowCallDurationMs/);
  });
});

describe('rollingPercentageBreaker (opossum rule, standalone)', () => {
  it('opens above the percentage once volumeThreshold calls are in the window', () => {
    const b = rollingPercentageBreaker({ errorThresholdPercentage: 50, volumeThreshold: 3 });
    b.success(Closed);
    expect(b.failure(Closed)).toBe(false); // 2 calls < 3
    expect(b.failure(Closed)).toBe(true); // 2 of 3 = 66% > 50%
  });

  it('is not above the percentage at exactly the percentage', () => {
    const b = rollingPercentageBreaker({ errorThresholdPercentage: 50 });
    b.success(Closed);
    expect(b.failure(Closed)).toBe(false);
  });
});

describe('adaptiveBreaker', () => {
  it('allows 10 failures in a row to a healthy dependency, 3 to a failing one', () => {
    const clock = manualClock();
    const b = adaptiveBreaker({ clock: clock.now });
    for (let i = 0; i < 2000; i++) b.success(Closed);
    expect(b.currentThreshold).toBe(10);
    const trips: boolean[] = [];
    for (let i = 0; i < 10; i++) trips.push(b.failure(Closed));
    expect(trips.indexOf(true)).toBe(9);

    const sick = adaptiveBreaker({ clock: clock.now });
    for (let i = 0; i < 10; i++) {
      sick.failure(Closed);
      sick.success(Closed);
    }
    expect(sick.currentThreshold).toBe(3);
    expect([sick.failure(Closed), sick.failure(Closed), sick.failure(Closed)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('uses the middle step for a flaky dependency, and forgets history older than rateWindowMs', () => {
    const clock = manualClock();
    const b = adaptiveBreaker({ clock: clock.now, rateWindowMs: 60_000 });
    for (let i = 0; i < 97; i++) b.success(Closed);
    for (let i = 0; i < 3; i++) {
      b.failure(Closed);
      b.success(Closed);
    }
    expect(b.currentThreshold).toBe(5); // 3% errors
    clock.t = 120_000;
    expect(b.currentThreshold).toBe(10); // nothing recent: treated as healthy
  });

  it('names a bad step', () => {
    expect(() => adaptiveBreaker({ steps: [{ belowRate: 0, threshold: 2 }] })).toThrow(
      /adaptive\.steps\[0\]\.belowRate/,
    );
  });
});
