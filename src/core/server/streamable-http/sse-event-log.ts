import { randomBytes } from 'node:crypto';
import { jsonLength, type JsonChunks } from './json-chunks';

interface LoggedStream {
  /** Formatted SSE events (with their `id:` lines), in order. */
  events: Array<{ seq: number; frame: JsonChunks }>;
  bytes: number;
  next: number;
  /** The stream got its last event (its request was answered). */
  ended: boolean;
}

/**
 * Resumable SSE streams (MCP Streamable HTTP, "Resumability and Redelivery"): every event a session
 * sends on an SSE stream carries an id `<stream>-<seq>`, and the events of a stream are kept so a
 * client whose connection dropped can reconnect with GET + `Last-Event-ID` and get what it missed
 * (then the rest of the stream). A stream whose answer reached a live connection is forgotten at
 * once; interrupted ones are kept within a byte budget per session (oldest stream dropped first).
 */
export class SseEventLog {
  private readonly streams = new Map<string, LoggedStream>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 2 * 1024 * 1024,
    private readonly maxStreams = 256,
  ) {}

  /** A new stream id. */
  open(): string {
    const id = randomBytes(6).toString('hex');
    this.streams.set(id, { events: [], bytes: 0, next: 1, ended: false });
    this.trim();
    return id;
  }

  /** Records one message (its JSON) on a stream; returns the SSE frame to write. */
  append(streamId: string, json: JsonChunks): JsonChunks {
    const s = this.streams.get(streamId);
    const seq = s ? s.next++ : 0;
    const frame = sseFrame(`${streamId}-${seq}`, json);
    if (s) {
      const size = jsonLength(frame);
      s.events.push({ seq, frame });
      s.bytes += size;
      this.bytes += size;
      this.trim(streamId);
    }
    return frame;
  }

  /** The stream's request was answered; `delivered`: on a live connection (nothing to replay). */
  end(streamId: string, delivered: boolean): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    s.ended = true;
    if (delivered) this.drop(streamId);
  }

  /**
   * What a client that saw `lastEventId` missed: the frames after it and whether the stream has
   * ended. Undefined when the id is not one of this session's kept streams.
   */
  after(lastEventId: string): { streamId: string; frames: JsonChunks[]; ended: boolean } | undefined {
    const m = /^([0-9a-f]{12})-(\d{1,12})$/.exec(lastEventId.trim());
    if (!m) return undefined;
    const s = this.streams.get(m[1]);
    if (!s) return undefined;
    const seen = Number(m[2]);
    return { streamId: m[1], frames: s.events.filter((e) => e.seq > seen).map((e) => e.frame), ended: s.ended };
  }

  drop(streamId: string): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    this.bytes -= s.bytes;
    this.streams.delete(streamId);
  }

  /** Oldest streams go first past the byte or stream budget; the stream being written loses its oldest events last. */
  private trim(current?: string): void {
    for (const id of this.streams.keys()) {
      if (this.bytes <= this.maxBytes && this.streams.size <= this.maxStreams) return;
      if (id !== current) this.drop(id);
    }
    const s = current ? this.streams.get(current) : undefined;
    while (s && this.bytes > this.maxBytes && s.events.length > 1) {
      const size = jsonLength(s.events.shift()!.frame);
      s.bytes -= size;
      this.bytes -= size;
    }
  }
}

/** One SSE event; chunks stay chunks (a multi-MB cached tools/list is not copied). */
function sseFrame(id: string | undefined, json: JsonChunks): JsonChunks {
  const head = `${id ? `id: ${id}\n` : ''}event: message\ndata: `;
  return typeof json === 'string' ? `${head}${json}\n\n` : [Buffer.from(head), ...json, Buffer.from('\n\n')];
}
