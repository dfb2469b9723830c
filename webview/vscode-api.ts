/** The webview side of the messaging: `acquireVsCodeApi`, request ids, validated host messages. */
import { parseHostMessage, type HostMessage, type WebviewRequest, type WebviewState } from '../src/shared/trace-protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export class HostChannel {
  private readonly api: VsCodeApi;
  private seq = 0;

  constructor(onMessage: (m: HostMessage) => void, onInvalid: (error: string) => void) {
    this.api = acquireVsCodeApi();
    window.addEventListener('message', (e: MessageEvent) => {
      const t0 = performance.now();
      const parsed = parseHostMessage(e.data);
      if (parsed.ok && parsed.message.type === 'init') performance.measure('aop:validate', { start: t0 });
      if (parsed.ok) onMessage(parsed.message);
      else onInvalid(parsed.error);
    });
  }

  /** Posts a request; returns its id (the reply echoes it). */
  request(message: WebviewRequest): string {
    const requestId = `r${++this.seq}`;
    this.api.postMessage({ ...message, requestId });
    return requestId;
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: WebviewState): void {
    this.api.setState(state);
  }
}
