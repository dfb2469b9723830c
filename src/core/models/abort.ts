/**
 * Abort helpers shared by the model backends.
 *
 * A cancelled model call rejects with the signal's reason when it is an Error (so a caller that
 * aborts with its own `TimeoutError` gets it back), otherwise with an `AbortError`.
 */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' && reason ? reason : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** True for errors produced by cancellation (`AbortError`) or by `AbortSignal.timeout` (`TimeoutError`). */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'AbortError' || name === 'TimeoutError';
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
