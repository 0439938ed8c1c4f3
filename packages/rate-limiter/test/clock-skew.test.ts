import { describe, it } from 'vitest';
import { olderReadingNeverReopens } from './store-cases.js';
import { ENGINES, storeOn } from './stores.js';

describe.each(ENGINES)('an older reading never reopens a window (%s store)', (engine) => {
  it.each(['fixed-window', 'sliding-window'] as const)(
    '%s: a key that has seen window 2 is not given window 1 back',
    (algorithm) => olderReadingNeverReopens(algorithm, storeOn(engine)),
  );
});
