import { describe, expect, it, vi } from 'vitest';
import {
  integerOption,
  nearestName,
  numberOption,
  oneOfOption,
  positiveInteger,
  rejectUnknownOptions,
  warnUnknownOptions,
} from '../src/index.js';

describe('option checks', () => {
  it('a wrong type is a TypeError naming the type it got; strings are quoted', () => {
    expect(() => positiveInteger('max', '100')).toThrow(TypeError);
    expect(() => positiveInteger('max', '100')).toThrow(
      'max must be a positive integer; got the string "100"',
    );
    expect(() => positiveInteger('max', null)).toThrow('got null');
    expect(() => positiveInteger('max', {})).toThrow('got an object');
  });

  it('a value out of range is a RangeError naming the value', () => {
    expect(() => positiveInteger('max', 0)).toThrow(RangeError);
    expect(() => positiveInteger('max', 0)).toThrow('max must be a positive integer; got 0');
    expect(() => positiveInteger('max', 1.5)).toThrow(RangeError);
    expect(() => integerOption('n', Number.NaN, { min: 0 })).toThrow(
      'n must be an integer >= 0; got NaN',
    );
    expect(() =>
      numberOption('rate', Number.POSITIVE_INFINITY, { min: 0, minExclusive: true }),
    ).toThrow(RangeError);
    expect(numberOption('max', Number.POSITIVE_INFINITY, { min: 0, infinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => integerOption('p', 101, { min: 0, max: 100 })).toThrow(
      'p must be an integer >= 0 <= 100; got 101',
    );
  });

  it('one of a set: a string out of the set is a RangeError, another type a TypeError', () => {
    expect(() => oneOfOption('onError', 'retry', ['allow', 'deny'])).toThrow(RangeError);
    expect(() => oneOfOption('onError', 'retry', ['allow', 'deny'])).toThrow(
      'onError must be one of "allow", "deny"; got the string "retry"',
    );
    expect(() => oneOfOption('onError', 1, ['allow'])).toThrow(TypeError);
  });
});

describe('unknown option names', () => {
  const known = ['max', 'ttl', 'timeout', 'maxSize', 'resetTimeout'];

  it('throws naming the key and the nearest known name', () => {
    expect(() => rejectUnknownOptions('TtlCache', { max: 10, tll: 1000 }, known)).toThrow(
      'TtlCache: unknown option `tll`; did you mean `ttl`?',
    );
    expect(() => rejectUnknownOptions('x', { timeOut: 10 }, known)).toThrow(
      'did you mean `timeout`?',
    );
    expect(() => rejectUnknownOptions('x', { completelyElse: 1 }, known)).toThrow(
      /^x: unknown option `completelyElse`$/,
    );
    expect(() => rejectUnknownOptions('x', { max: 1, ttl: 2 }, known)).not.toThrow();
  });

  it('suggests only close names', () => {
    expect(nearestName('maxsize', known)).toBe('maxSize');
    expect(nearestName('resetTimout', known)).toBe('resetTimeout');
    expect(nearestName('zzz', known)).toBeUndefined();
  });

  it('a drop-in surface warns once per process and key, naming the nearest', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    warnUnknownOptions('Breaker', { timeOut: 10 }, known, 'CODE_X');
    warnUnknownOptions('Breaker', { timeOut: 10 }, known, 'CODE_X');
    warnUnknownOptions('Breaker', { legacy: 1 }, known, 'CODE_X', ['legacy']);
    expect(warn.mock.calls).toEqual([
      [
        'Breaker: unknown option `timeOut`; did you mean `timeout`?; it is ignored',
        { code: 'CODE_X' },
      ],
      [
        'Breaker: option `legacy` is accepted for compatibility and has no effect',
        { code: 'CODE_X' },
      ],
    ]);
    warn.mockRestore();
  });
});
