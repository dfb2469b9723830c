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
 * The reader thread, plain CommonJS (no bundle, no loader): reads every file of `workerData.files`
 * in order as `readTextFileSync` does (open, one read into a shared buffer, close; bigger files
 * whole) and posts the texts in batches; a file that cannot be read posts its error's code and message.
 */
const READER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const { closeSync, openSync, readFileSync, readSync } = require('node:fs');
const files = workerData.files;
const buffer = Buffer.allocUnsafe(${64 * 1024});
let texts = [];
let errors = [];
let limit = ${FIRST_BATCH};
for (let i = 0; i < files.length; i++) {
  try {
    const fd = openSync(files[i], 'r');
    let length;
    try { length = readSync(fd, buffer, 0, buffer.length, 0); } finally { closeSync(fd); }
    texts.push(length < buffer.length ? buffer.toString('utf8', 0, length) : readFileSync(files[i], 'utf8'));
  } catch (e) {
    texts.push(null);
    errors.push([i, String(e && e.code || ''), String(e && e.message || e)]);
  }
  if (texts.length >= limit) {
    parentPort.postMessage({ texts, errors });
    texts = [];
    errors = [];
    limit = ${BATCH};
  }
}
if (texts.length) parentPort.postMessage({ texts, errors });
`;

interface Batch {
  texts: (string | null)[];
  /** By index in `files`. */
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
 * The texts of `files`, in order. Many files are read on a worker thread while the caller works
 * on the texts already given (the open/read/close system calls of 10,000 agent files are ~0.13 s
 * of a start-up; on the worker they overlap with parsing). A text is read at most once; if the
 * worker cannot start or dies, the rest is read here. Each text reflects the file when it was
 * read, as with a read on this thread: a caller that watches folders starts watching before this.
 */
export async function* readTexts(files: readonly string[], threshold = WORKER_READ_THRESHOLD): AsyncGenerator<FileText> {
  if (files.length < threshold) {
    for (const file of files) yield readOne(file);
    return;
  }
  const received: (string | null)[] = [];
  const errors = new Map<number, NodeJS.ErrnoException>();
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let worker: Worker | undefined;
  try {
    worker = new Worker(READER_SCRIPT, { eval: true, workerData: { files }, execArgv: [], stdout: true, stderr: true });
    worker.unref();
    worker.on('message', (batch: Batch) => {
      for (const [index, code, message] of batch.errors) errors.set(index, Object.assign(new Error(message), code ? { code } : {}));
      for (const text of batch.texts) received.push(text);
      notify();
    });
    worker.on('error', () => {
      finished = true;
      notify();
    });
    worker.on('exit', () => {
      finished = true;
      notify();
    });
  } catch {
    finished = true;
  }
  try {
    for (let i = 0; i < files.length; i++) {
      while (i >= received.length && !finished) await new Promise<void>((r) => (wake = r));
      if (i < received.length) {
        const text = received[i];
        received[i] = null; // the caller keeps what it needs
        yield text === null ? { file: files[i], error: errors.get(i) ?? Object.assign(new Error('cannot read the file'), { code: 'EIO' }) } : { file: files[i], text };
      } else {
        yield readOne(files[i]);
      }
    }
  } finally {
    if (worker && !finished) void worker.terminate();
  }
}
