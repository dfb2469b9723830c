import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One server-sent event: `event` is "message" when the stream did not name it. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The one text/event-stream reader of the code base (the MCP client transports and the OpenAI
 * backend), on `eventsource-parser` (WHATWG rules: `\n`, `\r\n` or `\r` line ends, chunks split
 * anywhere, data lines joined by `\n`, comments skipped). Adds what our callers need on top:
 * a size cap per event for untrusted peers, the last event id and `retry` for resumption
 * (SEP-1699), and `end()` for a stream that stops without the final blank line.
 */
export class SseReader {
  /** The last event id seen (`id:` field), for `Last-Event-ID` on reconnection. */
  lastEventId?: string;
  /** The last `retry:` value (ms) the server sent. */
  retryMs?: number;
  private readonly parser: EventSourceParser;
  private overflow = false;

  /**
   * @param onEvent called for each complete event (one with at least one `data` line)
   * @param maxEventChars most characters of one event (its unfinished line plus its data lines);
   *   past it `push` returns false and the stream must be dropped
   */
  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    maxEventChars?: number,
  ) {
    this.parser = createParser({
      onEvent: (e) => {
        if (e.id !== undefined) this.lastEventId = e.id;
        this.onEvent({ event: e.event ?? 'message', data: e.data, id: this.lastEventId });
      },
      onRetry: (ms) => {
        if (ms <= 999_999_999) this.retryMs = ms;
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.overflow = true;
        // unknown fields and bad retry values are ignored, as the standard says
      },
      maxBufferSize: maxEventChars !== undefined && Number.isFinite(maxEventChars) ? maxEventChars : undefined,
    });
  }

  /** Parses a chunk; false once an event passed the size cap (nothing more is read). */
  push(chunk: string): boolean {
    if (this.overflow) return false;
    this.parser.feed(chunk);
    return !this.overflow;
  }

  /** The stream ended: an event still missing its final blank line (or line end) is delivered. */
  end(): void {
    if (!this.overflow) this.parser.feed('\n\n');
  }
}

/** Collects the `data` of each event, for callers that read events in batches (the OpenAI backend). */
export class SseDataQueue {
  private readonly events: string[] = [];
  private readonly reader: SseReader;

  constructor(maxEventChars?: number) {
    this.reader = new SseReader((e) => this.events.push(e.data), maxEventChars);
  }

  /** The data of the events completed by this chunk; undefined once an event passed the size cap. */
  push(chunk: string): string[] | undefined {
    const ok = this.reader.push(chunk);
    return ok ? this.events.splice(0) : undefined;
  }

  /** The data of an event the stream ended in the middle of (see `SseReader.end`). */
  end(): string[] {
    this.reader.end();
    return this.events.splice(0);
  }
}
