/**
 * The webview side of the messaging: every request gets an id and a promise; the host's reply
 * (which echoes the id) settles it — resolved with the reply `REPLY_TYPE` names, rejected with a
 * `HostError` on an `error` reply. Messages that answer no pending request (`traceUpdated`, a
 * `traces` pushed by Show Traces, an `error` about a message without id) go to `onPush`.
 * No DOM: the VS Code API and the message source are passed in (unit-tested in node).
 */
import {
  parseHostMessage,
  REPLY_TYPE,
  type HostMessage,
  type ReplyOf,
  type WebviewMessage,
  type WebviewMessageType,
  type WebviewState,
} from '../src/shared/trace-protocol';

/** What `acquireVsCodeApi()` returns. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Where the host's messages arrive (`window`). */
export interface MessageSource {
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
}

export interface ChannelHandlers {
  /** A host message that answers no pending request. */
  onPush(message: HostMessage): void;
  /** A message that failed validation (nothing else happens with it). */
  onInvalid(error: string): void;
}

/** The host answered a request with `error`. */
export class HostError extends Error {
  override name = 'HostError';
}

/** A request of type T, without its id (the channel adds it). */
export type RequestOf<T extends WebviewMessageType> = Omit<Extract<WebviewMessage, { type: T }>, 'requestId'>;

interface Pending {
  expect: HostMessage['type'];
  resolve(reply: HostMessage): void;
  reject(err: Error): void;
}

/** Requests waiting for a reply, at most (a host that never answers cannot grow the map). */
const MAX_PENDING = 256;

export class HostChannel {
  private seq = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly api: VsCodeApi,
    source: MessageSource,
    private readonly handlers: ChannelHandlers,
  ) {
    source.addEventListener('message', (e) => this.receive(e.data));
  }

  /** Posts a request; the promise settles with the host's reply to it. */
  request<T extends WebviewMessageType>(message: RequestOf<T> & { type: T }): Promise<ReplyOf<T>> {
    const requestId = `r${++this.seq}`;
    const expect = REPLY_TYPE[message.type];
    const reply = new Promise<ReplyOf<T>>((resolve, reject) => {
      this.pending.set(requestId, { expect, resolve: resolve as (m: HostMessage) => void, reject });
    });
    if (this.pending.size > MAX_PENDING) {
      const [oldest, p] = this.pending.entries().next().value as [string, Pending];
      this.pending.delete(oldest);
      p.reject(new HostError('the extension did not answer'));
    }
    this.api.postMessage({ ...message, requestId });
    return reply;
  }

  /** Requests still waiting (tests). */
  get waiting(): number {
    return this.pending.size;
  }

  /** One message from the host: validated, then matched to its request by id or pushed. */
  receive(data: unknown): void {
    const t0 = performance.now();
    const parsed = parseHostMessage(data);
    if (!parsed.ok) {
      // a reply that cannot be read still settles its request: nothing waits forever
      const id = (data as { requestId?: unknown } | null)?.requestId;
      const p = typeof id === 'string' ? this.pending.get(id) : undefined;
      if (p) {
        this.pending.delete(id as string);
        p.reject(new HostError(parsed.error));
      }
      this.handlers.onInvalid(parsed.error);
      return;
    }
    const m = parsed.message;
    if (m.type === 'init') performance.measure('aop:validate', { start: t0 });
    const id = 'requestId' in m ? m.requestId : undefined;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p) {
      this.handlers.onPush(m);
      return;
    }
    this.pending.delete(id!);
    if (m.type === 'error') p.reject(new HostError(m.message));
    else if (m.type !== p.expect) p.reject(new HostError(`the extension answered ${p.expect === 'ack' ? 'an action' : `a request for ${p.expect}`} with ${m.type}`));
    else p.resolve(m);
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: WebviewState): void {
    this.api.setState(state);
  }
}
