/**
 * Thrown when `engine: 'native'` is asked for and the twin cannot run here. Its message says
 * which platform this is, which package carries the binary, and the loader's own error.
 */
export class NativeEngineUnavailableError extends Error {
  readonly code = 'ERR_NATIVE_ENGINE_UNAVAILABLE';
  override readonly name = 'NativeEngineUnavailableError';
}

export function isNativeEngineUnavailableError(e: unknown): e is NativeEngineUnavailableError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { code?: unknown }).code === 'ERR_NATIVE_ENGINE_UNAVAILABLE'
  );
}
