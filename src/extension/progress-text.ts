/**
 * What the palette's "Invoking <agent>" notification says while the agent works: the end of its
 * partial answer as it streams in (never a character count), and the step when it is retrying.
 * No `vscode` import: unit tested.
 */
import { STEP_META, type CallStep } from '../core';

/** Characters of partial text the notification shows (its end: the newest words). */
export const SHOWN_CHARS = 120;

export class PartialAnswer {
  /** The newest characters only: a long answer never grows this buffer. */
  private tail = '';
  private received = 0;
  private attempt?: number;

  constructor(private readonly shown = SHOWN_CHARS) {}

  /** New text of the answer (a local agent's model deltas; an AOP server's progress messages). */
  add(delta: string | undefined): void {
    if (!delta) return;
    this.received += delta.length;
    this.tail = (this.tail + delta).slice(-this.shown * 4);
  }

  /** The call moved on: a retry starts the answer again. */
  step(step: CallStep): void {
    if (step.attempt !== undefined && step.attempt !== this.attempt) {
      if (this.attempt !== undefined) this.clear();
      this.attempt = step.attempt;
    }
  }

  /**
   * A remote server's `notifications/progress`: an AOP server's message is the text written since
   * its previous notification (`_meta["aop/step"]` marks it); any other server's message is a
   * status line of its own, shown as it is.
   */
  remote(p: { message?: string; _meta?: Record<string, unknown> }): void {
    const step = p._meta?.[STEP_META] as CallStep | undefined;
    if (step && typeof step === 'object') {
      this.step(step);
      this.add(p.message);
    } else if (p.message) {
      this.clear();
      this.add(p.message);
    }
  }

  /** One line for the notification, or undefined before anything arrived. */
  message(): string | undefined {
    const retry = this.attempt !== undefined && this.attempt > 1 ? `attempt ${this.attempt}` : '';
    const flat = this.tail.replace(/\s+/g, ' ').trimStart();
    if (!flat) return retry ? `${retry}…` : undefined;
    const cut = flat.length > this.shown || this.received > this.tail.length;
    const text = flat.length > this.shown ? flat.slice(-this.shown) : flat;
    return `${retry ? `${retry} · ` : ''}${cut ? '…' : ''}${text}`;
  }

  private clear(): void {
    this.tail = '';
    this.received = 0;
  }
}
