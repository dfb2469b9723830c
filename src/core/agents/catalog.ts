import { toolEntryDiagnostics } from './tool-entries';
import { EventEmitter } from 'node:events';
import { statSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { AgentDefinition, AgentDiagnostic, ProviderKind } from './definition';
import { AgentFileMatcher, isMissing, listDirectorySync, sourceKindOf } from './agent-files';
import { FileTexts, type FileText } from './file-texts';
import { DirectoryWatcher } from './directory-watcher';
import { parseAgentFile, type ParseAgentResult } from './parse';
import { resolveAgentNames } from './agent-names';


/** Agent files parsed, or folders listed, between two yields to the event loop. */
const YIELD_EVERY = 64;

export interface AgentCatalogOptions {
  /** Folders to scan and single agent files. */
  roots: string[];
  /** Globs relative to each root folder. Default: DEFAULT_AGENT_INCLUDE. */
  include?: string[];
  /** Globs relative to each root folder. Default: DEFAULT_AGENT_EXCLUDE (node_modules, .git). */
  exclude?: string[];
  defaultProvider?: ProviderKind;
  /** Quiet time after the last file-system event before re-reading. Default 75 ms. */
  debounceMs?: number;
}

export interface AgentCatalogEvents {
  added: [agent: AgentDefinition];
  /** Same name, different definition. */
  changed: [agent: AgentDefinition, previous: AgentDefinition];
  removed: [agent: AgentDefinition];
  /** The findings of a file changed; an empty list clears them. */
  diagnostics: [file: string, diagnostics: AgentDiagnostic[]];
  /** Once after each batch that changed anything (and after every load()). */
  updated: [];
}

interface LoadedFile {
  root: string;
  text: string;
  result: ParseAgentResult;
}

/** Agent files in the order found, the root each was found under, and their texts (read as they are found). */
class FoundFiles {
  readonly files: string[] = [];
  readonly roots: string[] = [];
  readonly texts = new FileTexts();

  add(files: readonly string[], root: string): this {
    for (const file of files) {
      this.files.push(file);
      this.roots.push(root);
    }
    this.texts.add(files);
    return this;
  }
}

/** The file's or folder's stat; undefined when it is gone or cannot be read. */
function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

interface TrackedDir {
  root: string;
  ino: number;
}

/**
 * The agents of a workspace, keyed by tool name. Bad files are reported and skipped; when two files
 * use one name the first by path wins. Programmatic agents (set/delete) win over files.
 */
export class AgentCatalog extends EventEmitter<AgentCatalogEvents> {
  private readonly roots: string[];
  private readonly matcher: AgentFileMatcher;
  private readonly files = new Map<string, LoadedFile>();
  private readonly dirs = new Map<string, TrackedDir>();
  private readonly programmatic = new Map<string, AgentDefinition>();
  private active = new Map<string, AgentDefinition>();
  /** Findings per file, only files that have some. */
  private published = new Map<string, AgentDiagnostic[]>();
  private queue: Promise<void> = Promise.resolve();
  private watcher?: DirectoryWatcher;
  private readonly dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private loaded = false;
  private disposed = false;
  private sinceYield = 0;

  constructor(private readonly options: AgentCatalogOptions) {
    super();
    this.roots = options.roots.map((r) => path.resolve(r));
    this.matcher = new AgentFileMatcher(options.include, options.exclude);
  }

  /** Scans every root and parses every agent file. Emits the differences with the previous state. */
  load(): Promise<void> {
    return this.enqueue(async () => {
      await this.scanAll();
      this.loaded = true;
      this.commit(true);
    });
  }

  /** Follows file-system changes until dispose(): added, changed and deleted files and folders. */
  watch(): void {
    if (this.watcher || this.disposed) return;
    this.watcher = new DirectoryWatcher((dir) => this.markDirty(dir));
    const start = () => {
      for (const dir of this.dirs.keys()) this.watcher?.add(dir);
      // Catch changes made between the scan and the first watch.
      for (const dir of this.dirs.keys()) this.markDirty(dir);
    };
    if (this.loaded) start();
    else void this.load().then(start, () => undefined);
  }

  /** Re-reads one file (a deleted file is removed). */
  reloadFile(file: string): Promise<void> {
    const full = path.resolve(file);
    return this.enqueue(async () => {
      await this.readFiles(new FoundFiles().add([full], this.files.get(full)?.root ?? this.rootOf(full)));
      this.commit();
    });
  }

  removeFile(file: string): void {
    this.files.delete(path.resolve(file));
    this.commit();
  }

  /** Adds or replaces an agent that has no file (tests, benchmarks, embedders). */
  set(agent: AgentDefinition): void {
    this.setAll([agent]);
  }

  /** Adds or replaces many such agents with one commit (one commit per agent made 10,000 quadratic). */
  setAll(agents: Iterable<AgentDefinition>): void {
    for (const agent of agents) this.programmatic.set(agent.name, agent);
    this.commit();
  }

  delete(name: string): boolean {
    const had = this.programmatic.delete(name);
    if (had) this.commit();
    return had;
  }

  /** Active agents, sorted by name. */
  agents(): AgentDefinition[] {
    return [...this.active.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): AgentDefinition | undefined {
    return this.active.get(name);
  }

  /** Findings per file, only files that have some. */
  diagnostics(): Map<string, AgentDiagnostic[]> {
    return new Map(this.published);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    this.dirty.clear();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.disposed ? undefined : task()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private markDirty(dir: string): void {
    if (this.disposed) return;
    this.dirty.add(dir);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const dirs = [...this.dirty].sort();
      this.dirty.clear();
      void this.enqueue(async () => {
        for (const dir of dirs) await this.rescanDir(dir);
        this.commit();
      }).catch(() => undefined);
    }, this.options.debounceMs ?? 75);
  }

  private async scanAll(): Promise<void> {
    const seenFiles = new Set<string>();
    const seenDirs = new Set<string>();
    const found = new FoundFiles();
    for (const root of this.roots) {
      const stat = statOrUndefined(root);
      if (stat?.isFile()) {
        seenFiles.add(root);
        this.trackDir(path.dirname(root), root, -1, seenDirs);
        found.add([root], root);
      } else if (stat?.isDirectory()) {
        await this.collect(root, root, seenFiles, seenDirs, found);
      }
    }
    await this.readFiles(found);
    for (const file of [...this.files.keys()]) if (!seenFiles.has(file)) this.files.delete(file);
    for (const dir of [...this.dirs.keys()]) if (!seenDirs.has(dir)) this.untrackDir(dir);
  }

  /**
   * Lists `dir` and its sub-folders (watching each before its files are read) and adds the agent
   * files to `found`, in the order a depth-first walk meets them (their reading starts meanwhile).
   */
  private async collect(dir: string, root: string, seenFiles: Set<string>, seenDirs: Set<string>, found: FoundFiles): Promise<void> {
    if (seenDirs.has(dir) || this.matcher.isExcludedDir(root, dir)) return;
    await this.yieldNow();
    const stat = statOrUndefined(dir);
    const listing = stat?.isDirectory() ? listDirectorySync(dir) : undefined;
    if (!stat || !listing) return;
    this.trackDir(dir, root, stat.ino, seenDirs);
    const files = this.matcher.agentFilesIn(root, dir, listing.files).filter((file) => !seenFiles.has(file));
    for (const file of files) seenFiles.add(file);
    found.add(files, root);
    for (const sub of listing.dirs) await this.collect(sub, root, seenFiles, seenDirs, found);
  }

  /** Re-reads one watched folder: new, changed and deleted files, new and deleted sub-folders. */
  private async rescanDir(dir: string): Promise<void> {
    const tracked = this.dirs.get(dir);
    if (!tracked) return;
    if (tracked.ino === -1) {
      // The parent folder of a file root: only that file matters.
      await this.readFiles(new FoundFiles().add([tracked.root], tracked.root));
      return;
    }
    const listing = listDirectorySync(dir);
    if (!listing) {
      this.forgetTree(dir);
      return;
    }
    const present = new Set(listing.files);
    for (const file of [...this.files.keys()]) {
      if (path.dirname(file) === dir && !present.has(file) && !this.roots.includes(file)) this.files.delete(file);
    }
    const found = new FoundFiles().add(
      this.matcher.agentFilesIn(tracked.root, dir, listing.files),
      tracked.root,
    );
    const subdirs = new Set(listing.dirs);
    for (const known of [...this.dirs.keys()]) {
      if (path.dirname(known) === dir && !subdirs.has(known)) this.forgetTree(known);
    }
    for (const sub of listing.dirs) {
      const stat = statOrUndefined(sub);
      const known = this.dirs.get(sub);
      if (known && stat && known.ino === stat.ino) continue;
      // New folder, or one deleted and created again (its old watcher is dead).
      if (known) this.forgetTree(sub);
      await this.collect(sub, tracked.root, new Set([...this.files.keys(), ...found.files]), new Set(), found);
    }
    await this.readFiles(found);
  }

  /**
   * Reads and parses files into `files` (many files are read on a worker thread while this one
   * parses: file-texts.ts); a missing file is dropped, an unreadable one reported.
   */
  private async readFiles(found: FoundFiles): Promise<void> {
    let i = 0;
    for await (const read of found.texts.texts()) {
      await this.yieldNow();
      this.ingest(read, found.roots[i++]);
    }
  }

  /** Yields to the event loop every YIELD_EVERY calls, so a big folder never holds it for long. */
  private async yieldNow(): Promise<void> {
    if (++this.sinceYield < YIELD_EVERY) return;
    this.sinceYield = 0;
    await new Promise<void>((r) => setImmediate(r));
  }

  /** One file read (or its read error) into `files`. */
  private ingest({ file, text, error }: FileText, root: string): void {
    if (error) {
      if (isMissing(error)) {
        this.files.delete(file);
        return;
      }
      const diagnostic: AgentDiagnostic = {
        file,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 1,
        severity: 'error',
        message: `cannot read the file: ${error.message}`,
        code: 'read-error',
      };
      this.files.set(file, { root, text: '', result: { diagnostics: [diagnostic] } });
      return;
    }
    const previous = this.files.get(file);
    if (previous && previous.text === text && previous.root === root) return;
    const result = parseAgentFile(text, file, {
      kind: sourceKindOf(file),
      root: root === file ? path.dirname(file) : root,
      defaultProvider: this.options.defaultProvider,
    });
    this.files.set(file, { root, text, result });
  }

  private trackDir(dir: string, root: string, ino: number, seen: Set<string>): void {
    seen.add(dir);
    if (!this.dirs.has(dir)) this.dirs.set(dir, { root, ino });
    this.watcher?.add(dir);
  }

  private untrackDir(dir: string): void {
    this.dirs.delete(dir);
    this.watcher?.remove(dir);
  }

  /** A folder is gone: forget it, its sub-folders and their files. */
  private forgetTree(dir: string): void {
    const inside = (p: string) => p === dir || p.startsWith(dir + path.sep);
    for (const known of [...this.dirs.keys()]) if (inside(known) && !this.roots.includes(known)) this.untrackDir(known);
    if (this.roots.includes(dir)) this.watcher?.remove(dir);
    for (const file of [...this.files.keys()]) if (inside(file) && !this.roots.includes(file)) this.files.delete(file);
  }

  /** The root folder holding `file` (the deepest one), or its own folder. */
  private rootOf(file: string): string {
    const holders = this.roots.filter((r) => file.startsWith(r + path.sep));
    return holders.sort((a, b) => b.length - a.length)[0] ?? file;
  }

  /** Resolves names, then emits what changed since the last commit. */
  private commit(always = false): void {
    if (this.disposed) return;
    const next = new Map<string, AgentDefinition>(this.programmatic);
    const parsed = new Map<string, ParseAgentResult>();
    for (const [file, loaded] of this.files) parsed.set(file, loaded.result);
    const { winners, duplicates } = resolveAgentNames(parsed, new Set(this.programmatic.keys()));
    for (const [name, { agent }] of winners) next.set(name, agent);
    // Only files with findings are kept (a list is copied only when something is added to it).
    const found: [file: string, list: AgentDiagnostic[]][] = [];
    let names: Set<string> | undefined;
    for (const [file, result] of parsed) {
      const duplicate = duplicates.get(file);
      let list = duplicate ? [...result.diagnostics, duplicate] : result.diagnostics;
      const agent = result.agent;
      if (agent?.tools?.length && next.get(agent.name) === agent) {
        const fallback = result.nameRange ?? { line: 1, column: 1, endLine: 1, endColumn: 4 };
        const more = toolEntryDiagnostics(agent, result.toolRanges, fallback, (names ??= new Set(next.keys())));
        if (more.length) list = [...list, ...more];
      }
      if (list.length) found.push([file, list]);
    }
    const diagnostics = new Map(found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

    const previous = this.active;
    const previousDiagnostics = this.published;
    this.active = next;
    this.published = diagnostics;
    let changed = false;
    for (const [name, agent] of previous) {
      if (!next.has(name)) {
        changed = true;
        this.emit('removed', agent);
      }
    }
    for (const [name, agent] of next) {
      const before = previous.get(name);
      if (before && !isDeepStrictEqual(before, agent)) {
        changed = true;
        this.emit('changed', agent, before);
      }
    }
    for (const [name, agent] of next) {
      if (!previous.has(name)) {
        changed = true;
        this.emit('added', agent);
      }
    }
    // Files whose findings may have changed: those with findings before or now.
    const files = new Set([...previousDiagnostics.keys(), ...diagnostics.keys()]);
    for (const file of [...files].sort()) {
      const before = previousDiagnostics.get(file) ?? [];
      const after = diagnostics.get(file) ?? [];
      if (!isDeepStrictEqual(before, after)) {
        changed = true;
        this.emit('diagnostics', file, after);
      }
    }
    if (changed || always) this.emit('updated');
  }
}
