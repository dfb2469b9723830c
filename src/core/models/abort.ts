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

/**
 * A controller that aborts with `parent` (with its reason), and runs `onTimeout` with it when `ms`
 * pass first; `release()` stops following both (call it when the work ends, so neither the timer
 * nor the parent's listener outlives it). One controller and one timer: cheaper on Node 20 than
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, whose signals live until the timeout fires.
 */
export function linkedController(
  parent: AbortSignal,
  ms: number,
  onTimeout: (controller: AbortController) => void,
): { controller: AbortController; timer: NodeJS.Timeout; release(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  const timer = setTimeout(() => onTimeout(controller), ms);
  return {
    controller,
    timer,
    release: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParent);
    },
  };
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
