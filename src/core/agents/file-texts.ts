import { Worker } from 'node:worker_threads';
import { readTextFileSync } from './agent-files';

/** One file's text, or what reading it threw (an Error with the `code` fs gave, e.g. ENOENT). */
export type FileText = { file: string; text: string; error?: undefined } | { file: string; text?: undefined; error: NodeJS.ErrnoException };

/**
 * Below this many files the texts are read on the calling thread: a worker costs a thread and
 * ~5 ms of this thread to start, more than reading a few hundred small files.
 */
export const WORKER_READ_THRESHOLD = 256;

/** Texts per message after the first few (the first message is small, so parsing can start early). */
const FIRST_BATCH = 32;
const BATCH = 256;

/**
 * The reader thread, plain CommonJS (no bundle, no loader). It gets file lists (`{ files }`) and
 * then `{ end: true }`, reads every file in order as `readTextFileSync` does (open, one read into a
 * shared buffer, close; bigger files whole) and posts the texts in batches, and a batch whenever it
 * has read all it was given; a file that cannot be read posts its error's code and message.
 */
const READER_SCRIPT = `
const { parentPort } = require('node:worker_threads');
const { closeSync, openSync, readFileSync, readSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(${64 * 1024});
let index = 0;
let texts = [];
let errors = [];
let limit = ${FIRST_BATCH};
const flush = () => {
  if (texts.length) parentPort.postMessage({ texts, errors });
  texts = [];
  errors = [];
  limit = ${BATCH};
};
parentPort.on('message', (message) => {
  if (message.end) {
    flush();
    parentPort.close();
    return;
  }
  for (const file of message.files) {
    try {
      const fd = openSync(file, 'r');
      let length;
      try { length = readSync(fd, buffer, 0, buffer.length, 0); } finally { closeSync(fd); }
      texts.push(length < buffer.length ? buffer.toString('utf8', 0, length) : readFileSync(file, 'utf8'));
    } catch (e) {
      texts.push(null);
      errors.push([index, String((e && e.code) || ''), String((e && e.message) || e)]);
    }
    index++;
    if (texts.length >= limit) flush();
  }
  flush();
});
`;

interface Batch {
  texts: (string | null)[];
  /** By index in the files given. */
  errors: [index: number, code: string, message: string][];
}

function readOne(file: string): FileText {
  try {
    return { file, text: readTextFileSync(file) };
  } catch (e) {
    return { file, error: e as NodeJS.ErrnoException };
  }
}

/**
 * Reads many small files while the caller works: files are given as a walk finds them (`add`),
 * and `texts()` gives them back in that order. Once `threshold` files are given, they are read on
 * a worker thread, which starts while the walk goes on (the open/read/close system calls of 10,000
 * agent files are ~0.13 s of a start-up; on the worker they overlap with listing and parsing).
 * Fewer files are read on this thread when asked for. A text is read at most once; if the worker
 * cannot start or dies, the rest is read here. Each text reflects the file when it was read, as
 * with a read on this thread: a caller that watches folders starts watching before `add`.
 */
export class FileTexts {
  private readonly files: string[] = [];
  private readonly received: (string | null)[] = [];
  private readonly errors = new Map<number, NodeJS.ErrnoException>();
  private worker?: Worker;
  /** Files given to the worker so far. */
  private posted = 0;
  private ended = false;
  /** The worker is gone (done, failed or never started): what it did not read is read here. */
  private finished = false;
  private wake?: () => void;
  /** Files read on this thread (none when the worker read them all). */
  readHere = 0;

  constructor(private readonly threshold = WORKER_READ_THRESHOLD) {}

  /** More files, after those given before. */
  add(files: readonly string[]): void {
    for (const file of files) this.files.push(file);
    if (!this.worker && !this.finished && this.files.length >= this.threshold) this.start();
    this.post();
  }

  /** The texts of every file given, in order; call once, after the last `add`. */
  async *texts(): AsyncGenerator<FileText> {
    this.ended = true;
    this.post();
    try {
      for (let i = 0; i < this.files.length; i++) {
        while (this.worker && i >= this.received.length && !this.finished) await new Promise<void>((r) => (this.wake = r));
        if (i < this.received.length) {
          const text = this.received[i];
          this.received[i] = null; // the caller keeps what it needs
          yield text === null ? { file: this.files[i], error: this.errors.get(i) ?? Object.assign(new Error('cannot read the file'), { code: 'EIO' }) } : { file: this.files[i], text };
        } else {
          this.readHere++;
          yield readOne(this.files[i]);
        }
      }
    } finally {
      if (this.worker && !this.finished) void this.worker.terminate();
      this.finished = true;
    }
  }

  private start(): void {
    try {
      const worker = new Worker(READER_SCRIPT, { eval: true, execArgv: [], stdout: true, stderr: true });
      worker.unref();
      worker.on('message', (batch: Batch) => {
        for (const [index, code, message] of batch.errors) this.errors.set(index, Object.assign(new Error(message), code ? { code } : {}));
        for (const text of batch.texts) this.received.push(text);
        this.notify();
      });
      const gone = () => {
        this.finished = true;
        this.notify();
      };
      worker.on('error', gone);
      worker.on('exit', gone);
      this.worker = worker;
    } catch {
      this.finished = true;
    }
  }

  private post(): void {
    if (!this.worker || this.finished) return;
    if (this.posted < this.files.length) {
      this.worker.postMessage({ files: this.files.slice(this.posted) });
      this.posted = this.files.length;
    }
    if (this.ended) this.worker.postMessage({ end: true });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
