import { type EngineName, validateEngineOption } from '@bulwark/engine-kit';
import { nativeBinding, resolveCacheEngine } from '../native-binding.js';
import { serializerOption } from '../serializer.js';
import { HeapSlotValues, NativeSlotValues, type SlotValues } from './slot-values.js';

export interface LruEngine<V> {
  engine: EngineName;
  engineReason: string;
  values: SlotValues<V>;
}

/**
 * `LRUCache`'s engine, by the package's rule: `auto` is js (values kept as they are, as
 * lru-cache keeps them) unless a `serializer` says values are to be bytes, or
 * `BULWARK_ENGINE` says otherwise; `native` keeps each value off the V8 heap.
 */
export function lruEngine<V>(engine: unknown, serializer: unknown): LruEngine<V> {
  const checkedSerializer = serializerOption(serializer);
  const resolution = resolveCacheEngine(validateEngineOption(engine), {
    maxSize: 0,
    sizeCalculation: undefined,
    serializerGiven: serializer !== undefined,
  });
  if (resolution.error) throw resolution.error;
  const values: SlotValues<V> =
    resolution.engine === 'native'
      ? new NativeSlotValues<V>(nativeBinding().binding!, checkedSerializer)
      : new HeapSlotValues<V>();
  return { engine: resolution.engine, engineReason: resolution.reason, values };
}
