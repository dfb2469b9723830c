import { mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pid files of the command agents a server started (issue #15: after a SIGKILL of the server its
 * agents lived on as orphans). Each server process keeps `<dir>/<its pid>.pids`: its own pid and
 * start time, then one line per live child process group. A server starting later reaps the
 * groups of files whose owner is gone — only groups whose leader still has the recorded start
 * time (from /proc, Linux), so a recycled pid is never signalled. Elsewhere nothing is reaped.
 */
export class ChildRegistry {
  private readonly children = new Map<number, string>();
  private readonly file: string;
  private readonly ownerLine: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, `${process.pid}.pids`);
    this.ownerLine = `owner ${process.pid} ${startTime(process.pid) ?? '-'}`;
  }

  /** Reaps what dead servers left in `dir`, then returns the registry of this process (also made the active one). */
  static start(dir: string): { registry: ChildRegistry; reaped: number } {
    const reaped = reapOrphans(dir);
    const registry = new ChildRegistry(dir);
    active = registry;
    return { registry, reaped };
  }

  /** A child process group was started (its leader's pid). */
  add(pid: number): void {
    this.children.set(pid, startTime(pid) ?? '-');
    this.write();
  }

  /** The group is gone (or was killed). */
  remove(pid: number): void {
    if (this.children.delete(pid)) this.write();
  }

  get size(): number {
    return this.children.size;
  }

  /** Kills the groups still recorded (SIGKILL: the process is exiting) and removes the pid file. */
  dispose(): void {
    for (const pid of this.children.keys()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.children.clear();
    try {
      unlinkSync(this.file);
    } catch {
      /* gone */
    }
    if (active === this) active = undefined;
  }

  private write(): void {
    try {
      if (this.children.size === 0) {
        unlinkSync(this.file);
        return;
      }
      const lines = [this.ownerLine, ...[...this.children].map(([pid, t]) => `${pid} ${t}`)];
      writeFileSync(this.file, lines.join('\n') + '\n', { mode: 0o600 });
    } catch {
      /* best effort: a missing pid file only means no reaping */
    }
  }
}

let active: ChildRegistry | undefined;

/** The registry command agents record their processes in (none until a server starts one). */
export function activeChildRegistry(): ChildRegistry | undefined {
  return active;
}

/** Kills the process groups recorded by servers that are no longer running; returns how many. */
export function reapOrphans(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.pids$/.test(n));
  } catch {
    return 0;
  }
  let reaped = 0;
  for (const name of names) {
    const file = join(dir, name);
    let lines: string[];
    try {
      lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    } catch {
      continue;
    }
    const owner = /^owner (\d+) (\S+)$/.exec(lines[0] ?? '');
    if (!owner) continue;
    const ownerPid = Number(owner[1]);
    if (ownerPid !== process.pid && alive(ownerPid) && (owner[2] === '-' || startTime(ownerPid) === owner[2])) continue; // still serving
    for (const line of lines.slice(1)) {
      const m = /^(\d+) (\S+)$/.exec(line);
      if (!m || m[2] === '-') continue;
      const pid = Number(m[1]);
      if (startTime(pid) !== m[2]) continue; // gone, or the pid now belongs to someone else
      try {
        process.kill(-pid, 'SIGKILL');
        reaped++;
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
          reaped++;
        } catch {
          /* gone */
        }
      }
    }
    try {
      unlinkSync(file);
    } catch {
      /* gone */
    }
  }
  return reaped;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined off Linux or when gone. */
export function startTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
