import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineInfo, TtlCache } from '../src/index.js';

/**
 * `maxSize` without `sizeCalculation`: the native engine sizes each entry by the bytes it
 * holds for it, so `maxSize` bounds memory. Needs the binary, like the native half of the
 * conformance suite.
 */
const forced = process.env.BULWARK_ENGINE;
const hasNative = engineInfo().nativeAvailable;

/**
 * The documented size of an entry with a string key and no TTL: its record (9 bytes of
 * links and flags, the two lengths, the key's type byte, key, value) in 4-byte units,
 * rounded above 1 KiB to the next eighth of a power of two, plus 8 bytes of hash table.
 */
function documentedSize(key: string, value: string): number {
  const lengthBytes = (n: number) => (n < 128 ? 1 : n < 16_384 ? 2 : 3);
  const keyBytes = 1 + Buffer.byteLength(key);
  const valueBytes = Buffer.byteLength(value);
  const record = 9 + lengthBytes(keyBytes) + lengthBytes(valueBytes) + keyBytes + valueBytes;
  let units = Math.ceil(record / 4);
  if (units > 256) {
    const step = 2 ** (Math.floor(Math.log2(units)) - 3);
    units = Math.ceil(units / step) * step;
  }
  return units * 4 + 8;
}

describe.runIf(hasNative)('measured sizes (native engine)', () => {
  it.runIf(forced === undefined)(
    'auto picks native for maxSize without sizeCalculation, and says why',
    () => {
      const c = new TtlCache<string, string>({ maxSize: 1 << 20 });
      expect(c.engine).toBe('native');
      expect(c.engineReason).toMatch(/maxSize without sizeCalculation/);
      expect(engineInfo({ maxSize: 1 << 20 }).engine).toBe('native');
      expect(engineInfo({ max: 10 }).engine).toBe('js');
      expect(new TtlCache({ max: 10 }).engine).toBe('js');
    },
  );

  it.runIf(forced === undefined)('auto picks native when a serializer is given', () => {
    const serializer = {
      serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
      deserialize: (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()),
    };
    const c = new TtlCache<string, { n: number }>({ max: 10, serializer });
    expect(c.engine).toBe('native');
    expect(c.engineReason).toMatch(/serializer/);
    c.set('a', { n: 1 });
    expect(c.get('a')).toEqual({ n: 1 });
  });

  it('counts each entry as its bytes in the store', () => {
    const c = new TtlCache<string, string>({ maxSize: 1 << 20, engine: 'native' });
    c.set('k', 'x'.repeat(100));
    expect(c.calculatedSize).toBe(documentedSize('k', 'x'.repeat(100)));
    c.set('k', 'y'.repeat(5000));
    expect(c.calculatedSize).toBe(documentedSize('k', 'y'.repeat(5000)));
    c.set('other', 'z', { size: 1 });
    expect(c.calculatedSize).toBe(
      documentedSize('k', 'y'.repeat(5000)) + documentedSize('other', 'z'),
    );
    c.delete('k');
    expect(c.calculatedSize).toBe(documentedSize('other', 'z'));
  });

  it('holds calculatedSize within maxSize and refuses entries above maxEntrySize, whatever the sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 200,
        }),
        (writes) => {
          const maxSize = 8192;
          const maxEntrySize = 2048;
          const c = new TtlCache<string, string>({ maxSize, maxEntrySize, engine: 'native' });
          for (const [k, length] of writes) {
            const key = `key${k}`;
            const value = 'v'.repeat(length);
            c.set(key, value);
            expect(c.calculatedSize).toBeLessThanOrEqual(maxSize);
            const fits = documentedSize(key, value) <= maxEntrySize;
            expect(c.get(key)).toBe(fits ? value : undefined);
          }
        },
      ),
    );
  });
});
