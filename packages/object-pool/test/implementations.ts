import * as genericPool from 'generic-pool';
import * as ours from '../src/index.js';

/** A pool as the compatibility tests use it: the surface generic-pool and ours share. */
export type AnyPool<T> = ReturnType<typeof ours.createPool<T>>;
export type CreatePool = <T>(factory: ours.Factory<T>, options?: ours.Options) => AnyPool<T>;

/** generic-pool 3.9.0 itself, the anchor, and ours: each compatibility test runs on both. */
export const anchor = {
  name: 'generic-pool 3.9.0',
  createPool: genericPool.createPool as unknown as CreatePool,
};
export const bulwark = { name: '@bulwark/object-pool', createPool: ours.createPool as CreatePool };
export const implementations = [anchor, bulwark];

export interface Resource {
  id: number;
}

/**
 * A factory that counts and records what the pool asks of it, as generic-pool's own test
 * utilities do: resources are `{ id }` from 0 up, `destroyed` lists ids in order.
 */
export class RecordingFactory {
  created = 0;
  readonly destroyed: number[] = [];
  readonly validated: number[] = [];
  /** What `validate` answers for each id (default true). */
  validity: (resource: Resource) => unknown = () => true;

  constructor(readonly options: { createDelayMs?: number; destroyDelayMs?: number } = {}) {}

  create = async (): Promise<Resource> => {
    const resource = { id: this.created++ };
    if (this.options.createDelayMs) await sleep(this.options.createDelayMs);
    return resource;
  };

  destroy = async (resource: Resource): Promise<void> => {
    if (this.options.destroyDelayMs) await sleep(this.options.destroyDelayMs);
    this.destroyed.push(resource.id);
  };

  validate = async (resource: Resource): Promise<boolean> => {
    this.validated.push(resource.id);
    return this.validity(resource) as boolean;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lets every queued microtask and one macrotask turn run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The pool's counters, in one object a test can compare across implementations. */
export function counters<T>(pool: AnyPool<T>) {
  return {
    size: pool.size,
    available: pool.available,
    borrowed: pool.borrowed,
    pending: pool.pending,
    spareResourceCapacity: pool.spareResourceCapacity,
    max: pool.max,
    min: pool.min,
  };
}
