/**
 * What the pool makes and unmakes resources with: generic-pool's factory. Each function
 * may return a value or a promise; a synchronous throw counts as a rejection (generic-pool
 * let it escape from whatever pool method happened to call the factory).
 */
export interface Factory<T> {
  create(): Promise<T> | T;
  destroy(resource: T): Promise<unknown> | unknown;
  /** Resolves false (exactly `false`) for a resource that must not be lent; a rejection counts as false. */
  validate?(resource: T): Promise<boolean> | boolean;
}

/** generic-pool's checks, in its order and with its messages. */
export function checkFactory<T>(factory: Factory<T>): void {
  if (typeof factory?.create !== 'function') {
    throw new TypeError('factory.create must be a function');
  }
  if (typeof factory.destroy !== 'function') {
    throw new TypeError('factory.destroy must be a function');
  }
  if (factory.validate !== undefined && typeof factory.validate !== 'function') {
    throw new TypeError('factory.validate must be a function');
  }
}

/** Calls a factory function so that every outcome, a synchronous throw included, is a promise. */
export function callFactory<R>(fn: () => R | Promise<R>): Promise<R> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
