import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { TaskOwner, TaskStatus } from './task-owner';

/** One task as written to disk: `<dir>/<taskId>.json`. */
export interface StoredTask {
  v: 1;
  taskId: string;
  tool: string;
  status: TaskStatus;
  owner: TaskOwner;
  createdAt: number;
  lastUpdatedAt: number;
  completedAt?: number;
  ttl: number;
  pollInterval: number;
  statusMessage?: string;
  error?: string;
  result?: CallToolResult;
  /** The process and store instance that wrote it (a running task of a live store is not ours to fail). */
  pid?: number;
  instance?: string;
}

const storedSchema = z.object({
  v: z.literal(1),
  taskId: z.string().regex(/^[0-9a-f-]{36}$/),
  tool: z.string().max(256),
  status: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']),
  owner: z.object({ session: z.string().max(256).optional(), principal: z.string().max(256).optional() }),
  createdAt: z.number(),
  lastUpdatedAt: z.number(),
  completedAt: z.number().optional(),
  ttl: z.number().nonnegative(),
  pollInterval: z.number().nonnegative(),
  statusMessage: z.string().max(10_000).optional(),
  error: z.string().max(10_000).optional(),
  result: z.object({ content: z.array(z.any()) }).passthrough().optional(),
  pid: z.number().int().optional(),
  instance: z.string().max(64).optional(),
});

/** Store instances alive in this process (a file written by one of them is not a leftover). */
const liveInstances = new Set<string>();

/** Largest task file read back (bigger ones are skipped: the store never writes them). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The files of a task store: written atomically (temp file + rename), in order per task, without
 * blocking the caller; read back once at startup. Errors go to `onError`, never to the call.
 */
export class TaskFiles {
  private readonly instance = randomUUID();
  private chain: Promise<void> = Promise.resolve();
  private ready = false;

  constructor(
    readonly dir: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    liveInstances.add(this.instance);
  }

  write(task: StoredTask): void {
    const text = JSON.stringify({ ...task, pid: process.pid, instance: this.instance });
    this.enqueue(async () => {
      const file = join(this.dir, `${task.taskId}.json`);
      const tmp = `${file}.${this.instance.slice(0, 8)}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, file);
    });
  }

  remove(taskId: string): void {
    this.enqueue(() => rm(join(this.dir, `${taskId}.json`), { force: true }));
  }

  async flush(): Promise<void> {
    await this.chain;
  }

  /** The tasks on disk that no live store owns (bad or foreign files are skipped). */
  async loadAll(): Promise<StoredTask[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err);
      return [];
    }
    const out: StoredTask[] = [];
    for (const name of names) {
      if (!/^[0-9a-f-]{36}\.json$/.test(name)) continue;
      const file = join(this.dir, name);
      try {
        if ((await stat(file)).size > MAX_FILE_BYTES) continue;
        const parsed = storedSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
        if (!parsed.success) continue;
        const t = parsed.data as StoredTask;
        const running = t.status === 'pending' || t.status === 'processing';
        if (running && ownedByLiveStore(t)) continue;
        out.push(t);
      } catch (err) {
        this.onError(err);
      }
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  close(): void {
    liveInstances.delete(this.instance);
  }

  private enqueue(op: () => Promise<unknown>): void {
    this.chain = this.chain
      .then(async () => {
        if (!this.ready) {
          await mkdir(this.dir, { recursive: true, mode: 0o700 });
          this.ready = true;
        }
        await op();
      })
      .catch((err) => this.onError(err));
  }
}

function ownedByLiveStore(t: StoredTask): boolean {
  if (t.pid === undefined) return false;
  if (t.pid === process.pid) return t.instance !== undefined && liveInstances.has(t.instance);
  try {
    process.kill(t.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
