import { STEP_META } from '../meta-keys';

/** Where a call is: the attempt (retries), the tool-loop turn, the tool being called. */
export interface CallStep {
  attempt?: number;
  turn?: number;
  tool?: string;
}

export interface ProgressParams {
  progress: number;
  message?: string;
  _meta?: Record<string, unknown>;
}

/**
 * Progress with partial output, throttled: the model's text arrives as deltas; they are
 * collected and sent at most once per `intervalMs` (default 100 ms → ≤ 10 notifications per
 * second), each carrying every character written since the previous one, so the messages of a
 * call, concatenated in order, are its partial answer. `progress` is the count of characters so
 * far; `_meta["aop/step"]` says which attempt / turn / tool the call is at. A step change is sent
 * like text (it flushes the text before it).
 */
export class ProgressStream {
  private pending = '';
  private total = 0;
  private step: CallStep = {};
  private stepChanged = false;
  private lastSent = 0;
  private lastProgress = -1;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly send: (p: ProgressParams) => void,
    private readonly intervalMs = 100,
  ) {}

  /** Model text: `delta` new characters, `total` characters so far in this attempt. */
  text(delta: string, total?: number): void {
    if (this.closed || !delta) return;
    this.pending += delta;
    this.total = Math.max(this.total + delta.length, total ?? 0);
    this.schedule();
  }

  /** The call moved on (new attempt, turn or tool). */
  stepTo(step: CallStep): void {
    if (this.closed) return;
    this.flush();
    this.step = { ...this.step, ...step };
    this.stepChanged = true;
    this.schedule();
  }

  /** The ToolCallContext hooks feeding this stream: `progress(totalChars, delta)` and `step`. */
  hooks(): { progress: (total: number, delta?: string) => void; step: (s: CallStep) => void } {
    return { progress: (total, delta) => this.text(delta ?? '', total), step: (s) => this.stepTo(s) };
  }

  /** Sends what is pending now (before the result goes out) and stops. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastSent + this.intervalMs - Date.now();
    if (wait <= 0) return this.flush();
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.closed || (!this.pending && !this.stepChanged)) return;
    const message = this.pending;
    this.pending = '';
    this.stepChanged = false;
    this.lastSent = Date.now();
    // progress must grow with every notification: a step without new text adds a thousandth
    this.lastProgress = this.total > this.lastProgress ? this.total : this.lastProgress + 0.001;
    this.send({
      progress: this.lastProgress,
      ...(message ? { message } : {}),
      _meta: { [STEP_META]: { ...this.step } },
    });
  }
}
