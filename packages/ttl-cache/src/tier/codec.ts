import { promisify } from 'node:util';
import { constants, deflateRaw, inflateRaw } from 'node:zlib';
import type { Serializer } from '../serializer.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** The first byte of every value the tier writes: how the rest is encoded. */
const PLAIN = 0;
const DEFLATED = 1;
/** Added to the header when 8 bytes follow it: the stale-if-error time the value was written with. */
const KEPT = 2;
/**
 * Added to the header when 8 more bytes follow (after the kept time, if any): the writer's
 * wall-clock time of the write, in ms. A write replayed after a partition is applied only
 * over an older one (see `REPLAY_SET` in scripts.ts, which reads this layout).
 */
const WRITTEN = 4;

/** A value read back, with how long past its TTL it was written to be kept (0: not at all). */
export interface Decoded {
  value: unknown;
  keptMs: number;
}

/**
 * Values in Redis: one header byte, then (with `KEPT`) the ms the value is kept past its TTL
 * as a float64, then (with `WRITTEN`) the time it was written as a float64, then the
 * serializer's bytes, deflated when they are larger than
 * `compressAbove`. The kept time travels with the value so that a reader tells fresh from
 * stale by what the writer did, whatever its own settings. Compression runs on libuv's
 * thread pool (async zlib), so a large value does not block the event loop; level 1 trades
 * ratio for speed, as a cache should.
 */
export class ValueCodec {
  readonly #serializer: Serializer;
  readonly #compressAbove: number;

  constructor(serializer: Serializer, compressAbove: number) {
    this.#serializer = serializer;
    this.#compressAbove = compressAbove;
  }

  async encode(value: unknown, keptMs = 0, writtenAt = 0): Promise<Buffer> {
    const bytes = this.#serializer.serialize(value);
    const head = (format: number) => {
      const flags = format | (keptMs > 0 ? KEPT : 0) | (writtenAt > 0 ? WRITTEN : 0);
      const h = Buffer.alloc(1 + (keptMs > 0 ? 8 : 0) + (writtenAt > 0 ? 8 : 0));
      h[0] = flags;
      let at = 1;
      if (keptMs > 0) at = h.writeDoubleLE(keptMs, at);
      if (writtenAt > 0) h.writeDoubleLE(writtenAt, at);
      return h;
    };
    if (bytes.byteLength > this.#compressAbove) {
      const packed = await deflate(bytes, { level: constants.Z_BEST_SPEED });
      if (packed.byteLength < bytes.byteLength) return Buffer.concat([head(DEFLATED), packed]);
    }
    return Buffer.concat([head(PLAIN), bytes]);
  }

  async decode(stored: Buffer): Promise<Decoded> {
    const header = stored[0] ?? -1;
    let at = 1;
    const keptMs = (header & KEPT) !== 0 ? stored.readDoubleLE(at) : 0;
    if ((header & KEPT) !== 0) at += 8;
    // The write's time is for the replay script in Redis; a reader only skips it.
    if ((header & WRITTEN) !== 0) at += 8;
    const body = stored.subarray(at);
    switch (header & ~(KEPT | WRITTEN)) {
      case PLAIN:
        return { value: this.#serializer.deserialize(body), keptMs };
      case DEFLATED:
        return { value: this.#serializer.deserialize(await inflate(body)), keptMs };
      default:
        throw new Error(
          `redisTier: a stored value has an unknown header byte ${stored[0]}; was it written by another program?`,
        );
    }
  }
}
