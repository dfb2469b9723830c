import { watch, type FSWatcher } from 'node:fs';

/**
 * One non-recursive fs.watch per folder (recursive fs.watch does not exist on Linux with Node 20).
 * Reports the folder whose entries changed; the caller re-reads that folder.
 */
export class DirectoryWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(private readonly onChange: (dir: string) => void) {}

  has(dir: string): boolean {
    return this.watchers.has(dir);
  }

  add(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const watcher = watch(dir, { persistent: false }, () => this.onChange(dir));
      // The folder was deleted or became unreadable: let the caller re-read it (and find it gone).
      watcher.on('error', () => {
        this.remove(dir);
        this.onChange(dir);
      });
      this.watchers.set(dir, watcher);
    } catch {
      // Gone already, or out of inotify watches: the folder is simply not watched.
    }
  }

  remove(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
