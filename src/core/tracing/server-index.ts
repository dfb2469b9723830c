import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** One `aop serve` run that recorded traces into a folder (a line of `servers.jsonl`). */
export interface ServerRun {
  /** The id its spans carry (`name@host:port`). */
  id: string;
  name: string;
  url?: string;
  /** The agent folders/files it served (absolute). */
  roots: string[];
  pid: number;
  startedAt: number;
}

export const SERVERS_FILE = 'servers.jsonl';
const MAX_LINES_READ = 10_000;
/** Past this size the file is cut to its newest runs filling half of it (one `aop serve` per line, ~200 bytes). */
export const MAX_SERVERS_FILE_BYTES = 1024 * 1024;

/**
 * Notes a server run next to its traces, so `aop traces` can name servers and filter by folder.
 * The file stays bounded: once it passes MAX_SERVERS_FILE_BYTES the oldest runs are dropped.
 */
export function recordServerRun(dir: string, run: ServerRun): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, SERVERS_FILE);
  appendFileSync(file, JSON.stringify(run) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  if (statSync(file).size > MAX_SERVERS_FILE_BYTES) {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
    let keep = lines.length;
    for (let bytes = 0; keep > 0 && bytes + Buffer.byteLength(lines[keep - 1]) + 1 <= MAX_SERVERS_FILE_BYTES / 2; keep--) {
      bytes += Buffer.byteLength(lines[keep - 1]) + 1;
    }
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, lines.slice(keep).join('\n') + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  }
}

/** Every run noted in `dir`, newest last; unreadable or malformed lines are skipped. */
export function readServerRuns(dir: string): ServerRun[] {
  let text: string;
  try {
    text = readFileSync(join(dir, SERVERS_FILE), 'utf8');
  } catch {
    return [];
  }
  const runs: ServerRun[] = [];
  for (const line of text.split('\n').slice(-MAX_LINES_READ)) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as Partial<ServerRun>;
      if (typeof r.id === 'string' && typeof r.name === 'string' && Array.isArray(r.roots)) {
        runs.push({ id: r.id, name: r.name, url: typeof r.url === 'string' ? r.url : undefined, roots: r.roots.filter((x): x is string => typeof x === 'string'), pid: Number(r.pid) || 0, startedAt: Number(r.startedAt) || 0 });
      }
    } catch {
      // a torn line from a crash: skip it
    }
  }
  return runs;
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Runs that served `folder` (it is one of their roots, inside one, or holds one). */
export function runsForFolder(runs: readonly ServerRun[], folder: string): ServerRun[] {
  return runs.filter((r) => r.roots.some((root) => inside(folder, root) || inside(root, folder)));
}

/** Runs a `--server` value names: id (or prefix), name, or URL. */
export function runsNamed(runs: readonly ServerRun[], what: string): ServerRun[] {
  return runs.filter((r) => r.id === what || r.name === what || r.url === what);
}

/** How `aop traces` names a server: its id, plus the folder it served when known. */
export function serverLabel(run: ServerRun | undefined, id: string): string {
  return run?.roots.length ? `${id} (${run.roots.join(', ')})` : id;
}
