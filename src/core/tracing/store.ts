import { appendFile, chmod, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { appendFileSync, chmodSync, mkdirSync, statSync } from 'node:fs';
import { estimateBytes } from './span-size';
import { join } from 'node:path';
import type { SpanRecord, SpanStatusName, TraceEvent, TraceListener, TraceRecord, TraceSink } from './types';

export interface TraceStoreOptions {
  /** Traces kept in memory (default 1,000); the oldest are evicted. */
  maxTraces?: number;
  /** Folder for JSON Lines (`traces.jsonl`, rotated to `traces.1.jsonl`); none = memory only. */
  dir?: string;
  /** Cap of the files on disk together, in bytes (default 16 MiB); holds for any input. */
  maxFileBytes?: number;
  /** Spans of one trace past this many (estimated JSON) bytes are dropped (default 2 MiB). */
  maxTraceBytes?: number;
  /** Traces in memory together; the oldest are evicted past it (default 64 MiB). */
  maxMemoryBytes?: number;
  /** Batch disk writes for this long (default 100 ms). */
  flushMs?: number;
  /** Do not write (e.g. `aop traces` reading what a server recorded). */
  readOnly?: boolean;
  /** Called when writing fails (default: silent). */
  onError?: (err: unknown) => void;
}

export interface TraceQuery {
  /** Agent (tool) name of the root span. */
  agent?: string;
  status?: SpanStatusName;
  /** Trace id (full or a prefix of at least 4 digits). */
  traceId?: string;
  /** Roots that started at or after this epoch ms. */
  since?: number;
  /** Roots that started before this epoch ms. */
  until?: number;
  /** Server that recorded the root. */
  server?: string;
  /** Any of these servers recorded the root. */
  servers?: ReadonlySet<string>;
  /** Most traces returned, newest first (default all). */
  limit?: number;
}

export const TRACES_FILE = 'traces.jsonl';
export const ROTATED_FILE = 'traces.1.jsonl';

interface Entry {
  spans: SpanRecord[];
  /** Span ids, built when a second fragment of the trace arrives. */
  ids?: Set<string>;
  summary?: TraceRecord;
  /** Estimated JSON bytes of `spans`. */
  bytes: number;
}

/** Trace files hold task and answer excerpts: only the owner may read them. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Traces in a bounded in-memory ring (insertion order; a trace that gains spans moves to the end)
 * plus JSON Lines on disk with a size cap: one line `{traceId, spans}` per stored fragment, appended
 * in batches; when `traces.jsonl` passes half the cap it becomes `traces.1.jsonl`.
 */
export class TraceStore implements TraceSink {
  readonly maxTraces: number;
  readonly dir?: string;
  private readonly maxFileBytes: number;
  private readonly flushMs: number;
  private readonly readOnly: boolean;
  private readonly onError: (err: unknown) => void;
  private readonly traces = new Map<string, Entry>();
  private readonly listeners = new Set<TraceListener>();
  /** Fragments waiting to be written (serialized at flush time, off the call path). */
  private pending: { traceId: string; spans: SpanRecord[] }[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private fileBytes = -1;
  private dirReady = false;
  private readonly maxTraceBytes: number;
  private readonly maxMemoryBytes: number;
  private memoryBytes = 0;
  /** Spans refused by the per-trace bound, and fragments too large for the file cap (since start). */
  droppedSpans = 0;
  droppedLines = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.maxTraces = Math.max(1, options.maxTraces ?? 1000);
    this.dir = options.dir;
    this.maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
    this.maxTraceBytes = options.maxTraceBytes ?? 2 * 1024 * 1024;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 64 * 1024 * 1024;
    this.flushMs = options.flushMs ?? 100;
    this.readOnly = options.readOnly ?? false;
    this.onError = options.onError ?? (() => {});
  }

  /** A store loaded from `options.dir` (when given). */
  static async open(options: TraceStoreOptions = {}): Promise<TraceStore> {
    const store = new TraceStore(options);
    await store.load();
    return store;
  }

  get size(): number {
    return this.traces.size;
  }

  /** Estimated JSON bytes of the traces in memory. */
  get bytes(): number {
    return this.memoryBytes;
  }

  // ---- sink --------------------------------------------------------------------------------------

  putSpans(spans: SpanRecord[]): void {
    if (spans.length === 0) return;
    const byTrace = new Map<string, SpanRecord[]>();
    for (const s of spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    for (const [traceId, list] of byTrace) {
      const added = this.merge(traceId, list);
      if (added.length === 0) continue;
      if (this.dir && !this.readOnly) this.persist(traceId, added);
      if (this.listeners.size) this.emit({ type: 'trace-end', trace: this.get(traceId)!, added });
    }
  }

  spanStarted(span: SpanRecord, isLocalRoot: boolean): void {
    if (this.listeners.size === 0) return;
    if (isLocalRoot) this.emit({ type: 'trace-start', span });
    this.emit({ type: 'span-start', span });
  }

  spanEnded(span: SpanRecord): void {
    if (this.listeners.size) this.emit({ type: 'span-end', span });
  }

  private merge(traceId: string, spans: SpanRecord[]): SpanRecord[] {
    let entry = this.traces.get(traceId);
    const added: SpanRecord[] = [];
    if (!entry) {
      // The common case: a new trace. No dedupe set until a second fragment arrives.
      entry = { spans: [], bytes: 0 };
      for (const s of spans) this.admit(entry, s, added);
    } else {
      this.traces.delete(traceId); // re-insert: most recently updated last
      const ids = (entry.ids ??= new Set(entry.spans.map((s) => s.spanId)));
      for (const s of spans) {
        if (ids.has(s.spanId)) continue;
        if (this.admit(entry, s, added)) ids.add(s.spanId);
      }
      entry.summary = undefined;
    }
    if (entry.spans.length === 0) return added;
    this.traces.set(traceId, entry);
    if (this.traces.size > this.maxTraces || this.memoryBytes > this.maxMemoryBytes) {
      // Evicts down to 15/16 of the limits in one pass: a Map walked from its start skips the
      // holes its own deletions left, so evicting one trace per new one cost a walk per call.
      const traces = this.maxTraces - (this.maxTraces >> 4);
      const bytes = this.maxMemoryBytes - this.maxMemoryBytes / 16;
      for (const [oldest, e] of this.traces) {
        if (this.traces.size <= 1) break;
        this.traces.delete(oldest);
        this.memoryBytes -= e.bytes;
        if (this.traces.size <= traces && this.memoryBytes <= bytes) break;
      }
    }
    return added;
  }

  /** Adds a span to a trace unless the trace would pass `maxTraceBytes`. */
  private admit(entry: Entry, s: SpanRecord, added: SpanRecord[]): boolean {
    const b = estimateBytes(s);
    if (entry.bytes + b > this.maxTraceBytes && entry.spans.length > 0) {
      this.droppedSpans++;
      return false;
    }
    entry.bytes += b;
    this.memoryBytes += b;
    entry.spans.push(s);
    added.push(s);
    return true;
  }

  // ---- queries -----------------------------------------------------------------------------------

  get(traceId: string): TraceRecord | undefined {
    const entry = this.traces.get(traceId);
    if (!entry) return undefined;
    return (entry.summary ??= summarize(traceId, entry.spans));
  }

  /** Traces matching `q`, newest (most recently stored) first. */
  query(q: TraceQuery = {}): TraceRecord[] {
    const out: TraceRecord[] = [];
    const limit = q.limit ?? Infinity;
    const ids = [...this.traces.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      if (q.traceId && !ids[i].startsWith(q.traceId.toLowerCase())) continue;
      const t = this.get(ids[i])!;
      if (q.agent !== undefined && t.agent !== q.agent) continue;
      if (q.status !== undefined && t.status !== q.status) continue;
      if (q.since !== undefined && t.startMs < q.since) continue;
      if (q.until !== undefined && t.startMs >= q.until) continue;
      if (q.server !== undefined && t.root.server !== q.server) continue;
      if (q.servers !== undefined && !q.servers.has(t.root.server)) continue;
      out.push(t);
    }
    return out;
  }

  /** Live updates: trace and span start/end. Returns the unsubscribe function. */
  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: TraceEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  clear(): void {
    this.traces.clear();
    this.memoryBytes = 0;
  }

  // ---- disk --------------------------------------------------------------------------------------

  /** Loads `traces.1.jsonl` then `traces.jsonl` (the newest `maxTraces` traces are kept). */
  async load(): Promise<void> {
    if (!this.dir) return;
    for (const name of [ROTATED_FILE, TRACES_FILE]) {
      let text: string;
      try {
        text = await readFile(join(this.dir, name), 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const rec = JSON.parse(line) as { traceId?: unknown; spans?: unknown };
          if (typeof rec.traceId !== 'string' || !Array.isArray(rec.spans)) continue;
          const spans = (rec.spans as SpanRecord[]).filter(
            (s) => s && typeof s.spanId === 'string' && typeof s.name === 'string' && typeof s.startMs === 'number',
          );
          for (const s of spans) s.traceId = rec.traceId;
          this.merge(rec.traceId, spans);
        } catch {
          // a torn last line (crash mid-write): skip it
        }
      }
    }
  }

  private persist(traceId: string, spans: SpanRecord[]): void {
    this.pending.push({ traceId, spans });
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it is on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0 || !this.dir) return this.writing;
    const lines = this.serializePending();
    const dir = this.dir;
    const half = Math.floor(this.maxFileBytes / 2);
    this.writing = this.writing
      .then(async () => {
        if (!this.dirReady) {
          await mkdir(dir, { recursive: true, mode: DIR_MODE });
          await chmod(dir, DIR_MODE).catch(() => {});
          this.dirReady = true;
        }
        const file = join(dir, TRACES_FILE);
        if (this.fileBytes < 0) {
          this.fileBytes = await stat(file).then((s) => s.size, () => 0);
          if (this.fileBytes > 0) await chmod(file, FILE_MODE).catch(() => {});
        }
        // Each file holds at most half the cap, so both together stay under it whatever comes in:
        // a line larger than half the cap is dropped, a chunk that would overflow rotates first.
        let chunk = '';
        let chunkBytes = 0;
        const write = async () => {
          if (!chunk) return;
          await appendFile(file, chunk, { mode: FILE_MODE });
          this.fileBytes += chunkBytes;
          chunk = '';
          chunkBytes = 0;
        };
        for (const line of lines) {
          const n = Buffer.byteLength(line);
          if (n > half) {
            this.droppedLines++;
            continue;
          }
          if (this.fileBytes + chunkBytes + n > half) {
            await write();
            if (this.fileBytes > 0) {
              await rename(file, join(dir, ROTATED_FILE));
              this.fileBytes = 0;
            }
          }
          chunk += line;
          chunkBytes += n;
        }
        await write();
      })
      .catch((err) => this.onError(err));
    return this.writing;
  }

  /** Last-chance synchronous write (process exit). */
  flushSync(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || !this.dir) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
      chmodSync(this.dir, DIR_MODE);
      const half = Math.floor(this.maxFileBytes / 2);
      if (this.fileBytes < 0) {
        try {
          this.fileBytes = statSync(join(this.dir, TRACES_FILE)).size;
        } catch {
          this.fileBytes = 0;
        }
      }
      let room = half - this.fileBytes;
      let text = '';
      for (const line of this.serializePending()) {
        const n = Buffer.byteLength(line);
        if (n > room) continue; // no rotation on the way out: what does not fit is dropped
        room -= n;
        text += line;
      }
      if (text) appendFileSync(join(this.dir, TRACES_FILE), text, { mode: FILE_MODE });
    } catch (err) {
      this.onError(err);
    }
  }

  private serializePending(): string[] {
    const lines = this.pending.map((p) => JSON.stringify(p) + '\n');
    this.pending = [];
    return lines;
  }

  async close(): Promise<void> {
    await this.flush();
    this.listeners.clear();
  }
}

/** Summary of a trace: its root (the span whose parent is not in the trace), agent, status, times. */
export function summarize(traceId: string, spans: SpanRecord[]): TraceRecord {
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanRecord | undefined;
  let start = Infinity;
  let end = 0;
  const servers = new Set<string>();
  for (const s of spans) {
    servers.add(s.server);
    if (s.startMs < start) start = s.startMs;
    if (s.endMs > end) end = s.endMs;
    if (!s.parentSpanId || !ids.has(s.parentSpanId)) {
      if (!root || s.startMs < root.startMs) root = s;
    }
  }
  root ??= spans[0];
  const agent = root.attributes['aop.agent'] ?? root.attributes['aop.remote.tool'];
  return {
    traceId,
    spans,
    root,
    ...(typeof agent === 'string' ? { agent } : {}),
    status: root.status.code,
    startMs: root.startMs,
    durationMs: Math.max(0, (root.endMs || end) - root.startMs),
    servers: [...servers],
  };
}
