import { promisify } from 'node:util';
import { constants, deflateRaw, inflateRaw } from 'node:zlib';
import type { Serializer } from '../serializer.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** The first byte of every value the tier writes: how the rest is encoded. */
const PLAIN = 0;
const DEFLATED = 1;

/**
 * Values in Redis: one header byte, then the serializer's bytes, deflated when they are
 * larger than `compressAbove`. Compression runs on libuv's thread pool (async zlib), so a
 * large value does not block the event loop; level 1 trades ratio for speed, as a cache should.
 */
export class ValueCodec {
  readonly #serializer: Serializer;
  readonly #compressAbove: number;

  constructor(serializer: Serializer, compressAbove: number) {
    this.#serializer = serializer;
    this.#compressAbove = compressAbove;
  }

  async encode(value: unknown): Promise<Buffer> {
    const bytes = this.#serializer.serialize(value);
    if (bytes.byteLength > this.#compressAbove) {
      const packed = await deflate(bytes, { level: constants.Z_BEST_SPEED });
      if (packed.byteLength < bytes.byteLength) return Buffer.concat([Buffer.of(DEFLATED), packed]);
    }
    return Buffer.concat([Buffer.of(PLAIN), bytes]);
  }

  async decode(stored: Buffer): Promise<unknown> {
    const body = stored.subarray(1);
    switch (stored[0]) {
      case PLAIN:
        return this.#serializer.deserialize(body);
      case DEFLATED:
        return this.#serializer.deserialize(await inflate(body));
      default:
        throw new Error(
          `redisTier: a stored value has an unknown header byte ${stored[0]}; was it written by another program?`,
        );
    }
  }
}
