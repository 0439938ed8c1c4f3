import { deserialize, serialize } from 'node:v8';

/**
 * Turns values that are neither strings nor Buffers into bytes for the native engine.
 * Whatever `serialize` returns, `deserialize` must turn back into an equal value.
 */
export interface Serializer {
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}

/**
 * The default: V8's structured-clone format, the one `structuredClone` and worker messages
 * use. It round-trips Maps, Sets, Dates, typed arrays, cycles and plain objects, in C++.
 */
export const structuredCloneSerializer: Serializer = {
  serialize: (value) => serialize(value),
  deserialize: (bytes) => deserialize(bytes),
};

/** The `serializer` option, checked: the default when absent. */
export function serializerOption(value: unknown): Serializer {
  const serializer = (value ?? structuredCloneSerializer) as Partial<Serializer> | null;
  if (
    typeof serializer?.serialize !== 'function' ||
    typeof serializer?.deserialize !== 'function'
  ) {
    throw new TypeError('serializer must have serialize(value) and deserialize(bytes) functions');
  }
  return serializer as Serializer;
}
