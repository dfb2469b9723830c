import { randomUUID } from 'node:crypto';

/**
 * The shared state of one root request on this server: the tool-call budget and the deadline
 * every descendant draws from. A call arriving from another server starts its own copy from the
 * budget and time left the caller sent.
 */
export class RootRequest {
  private users = 0;

  constructor(
    readonly id: string,
    private budget: number,
    /** Epoch ms after which every descendant is out of time. */
    readonly deadline: number,
  ) {}

  /** Takes one tool call from the budget; false when it is spent. */
  take(): boolean {
    if (this.budget <= 0) return false;
    this.budget--;
    return true;
  }

  get budgetLeft(): number {
    return this.budget;
  }

  timeLeftMs(now = Date.now()): number {
    return Math.max(0, this.deadline - now);
  }

  /** @internal */
  retain(): void {
    this.users++;
  }

  /** @internal Returns true when the last user left. */
  release(): boolean {
    return --this.users <= 0;
  }
}

/** Root requests by id, kept while any of their invocations on this server runs. */
export class RootRegistry {
  private readonly roots = new Map<string, RootRequest>();

  /** The root `id` names (joined), or a new one with `budget` and `timeLeftMs`. */
  join(id: string | undefined, budget: number, timeLeftMs: number): RootRequest {
    let root = id ? this.roots.get(id) : undefined;
    if (!root) {
      root = new RootRequest(id ?? randomUUID(), budget, Date.now() + timeLeftMs);
      this.roots.set(root.id, root);
    }
    root.retain();
    return root;
  }

  leave(root: RootRequest): void {
    if (root.release()) this.roots.delete(root.id);
  }

  get size(): number {
    return this.roots.size;
  }
}
