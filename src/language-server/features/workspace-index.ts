import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentFileMatcher, isMissing, listDirectorySync, sourceKindOf, resolveAgentNames, type AgentDiagnostic, type AgentSourceKind, type ProviderKind, parseAgentFile, type ParseAgentResult, toolEntryDiagnostics } from '../../core';

export interface IndexedAgentFile {
  file: string;
  /** Workspace folder holding the file, or the file's own folder. */
  root: string;
  kind: AgentSourceKind;
  text: string;
  result: ParseAgentResult;
  /** The text comes from an open editor (wins over the disk until closed). */
  open: boolean;
  /** Part of the workspace's agents (matches the catalog globs under a folder): counts for duplicate names. */
  tracked: boolean;
}

export interface WorkspaceIndexOptions {
  roots: string[];
  include?: readonly string[];
  exclude?: readonly string[];
  defaultProvider?: ProviderKind;
}

/**
 * The agent files of the workspace folders, parsed, with open documents overlaid on the disk — the
 * language server's view of what `AgentCatalog` would load. Duplicate names are resolved exactly as
 * the catalog does: the first file by path keeps the name.
 */
export class AgentWorkspaceIndex {
  private roots: string[];
  private readonly matcher: AgentFileMatcher;
  private readonly files = new Map<string, IndexedAgentFile>();

  constructor(private readonly options: WorkspaceIndexOptions) {
    this.roots = options.roots.map((r) => path.resolve(r));
    this.matcher = new AgentFileMatcher(options.include, options.exclude);
  }

  get defaultProvider(): ProviderKind {
    return this.options.defaultProvider ?? 'editor';
  }

  setRoots(roots: string[]): void {
    this.roots = roots.map((r) => path.resolve(r));
  }

  /** Reads every agent file of every folder; open documents keep their editor text. */
  async scan(): Promise<void> {
    const seen = new Set<string>();
    for (const root of this.roots) await this.walk(root, root, seen);
    for (const [file, entry] of this.files) {
      if (!seen.has(file) && !entry.open) this.files.delete(file);
      else if (entry.open) this.files.set(file, this.entry(file, entry.text, true));
    }
  }

  /** A file was created or changed on disk. Returns whether the index changed. */
  async fileChanged(file: string): Promise<boolean> {
    file = path.resolve(file);
    if (this.files.get(file)?.open) return false;
    const root = this.trackingRoot(file);
    if (!root) return false;
    return this.readFromDisk(file);
  }

  /** A file was deleted on disk. Returns whether the index changed. */
  fileDeleted(file: string): boolean {
    file = path.resolve(file);
    const entry = this.files.get(file);
    if (!entry || entry.open) return false;
    return this.files.delete(file);
  }

  /** An editor opened or edited the document. */
  setOpenText(file: string, text: string): IndexedAgentFile {
    file = path.resolve(file);
    const previous = this.files.get(file);
    if (previous?.open && previous.text === text) return previous;
    const entry = this.entry(file, text, true);
    this.files.set(file, entry);
    return entry;
  }

  /** The editor closed the document: back to the disk (or gone when it is not a workspace agent file). */
  async close(file: string): Promise<void> {
    file = path.resolve(file);
    const entry = this.files.get(file);
    if (!entry) return;
    this.files.delete(file);
    if (entry.tracked) await this.readFromDisk(file);
  }

  get(file: string): IndexedAgentFile | undefined {
    return this.files.get(path.resolve(file));
  }

  all(): IndexedAgentFile[] {
    return [...this.files.values()];
  }

  /** The `duplicate-name` finding per file, for every file but the first (by path) of each name. */
  duplicates(): Map<string, AgentDiagnostic> {
    const tracked = new Map([...this.files].filter(([, entry]) => entry.tracked).map(([file, entry]) => [file, entry.result]));
    return resolveAgentNames(tracked).duplicates;
  }

  /** `unknown-tool` findings of one file: `tools:` entries that name no agent of the workspace. */
  toolFindings(file: string): AgentDiagnostic[] {
    const entry = this.files.get(path.resolve(file));
    const agent = entry?.result.agent;
    if (!entry || !agent?.tools?.length) return [];
    const names = new Set<string>();
    for (const f of this.files.values()) if (f.tracked && f.result.agent) names.add(f.result.agent.name);
    const fallback = entry.result.nameRange ?? { line: 1, column: 1, endLine: 1, endColumn: 4 };
    return toolEntryDiagnostics(agent, entry.result.toolRanges, fallback, names);
  }

  /** Parses `text` as `file` with the kind, root and default provider the catalog would use. */
  parse(file: string, text: string): { root: string; kind: AgentSourceKind; result: ParseAgentResult } {
    const root = this.rootOf(file) ?? path.dirname(file);
    const kind = sourceKindOf(file);
    return { root, kind, result: parseAgentFile(text, file, { kind, root, defaultProvider: this.defaultProvider }) };
  }

  private entry(file: string, text: string, open: boolean): IndexedAgentFile {
    const { root, kind, result } = this.parse(file, text);
    return { file, root, kind, text, result, open, tracked: this.trackingRoot(file) !== undefined };
  }

  private async readFromDisk(file: string): Promise<boolean> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if (!isMissing(e)) throw e;
      return this.files.delete(file);
    }
    const previous = this.files.get(file);
    if (previous?.open) return false;
    if (previous && previous.text === text) return false;
    this.files.set(file, this.entry(file, text, false));
    return true;
  }

  private async walk(dir: string, root: string, seen: Set<string>): Promise<void> {
    if (this.matcher.isExcludedDir(root, dir)) return;
    let listing;
    try {
      listing = listDirectorySync(dir);
    } catch {
      return;
    }
    if (!listing) return;
    for (const file of this.matcher.agentFilesIn(root, dir, listing.files)) {
      if (seen.has(file)) continue;
      seen.add(file);
      if (!this.files.get(file)?.open) await this.readFromDisk(file).catch(() => undefined);
    }
    for (const sub of listing.dirs) await this.walk(sub, root, seen);
  }

  /** The deepest folder holding `file`. */
  private rootOf(file: string): string | undefined {
    return this.roots.filter((r) => file.startsWith(r + path.sep)).sort((a, b) => b.length - a.length)[0];
  }

  /** The folder under which `file` is a workspace agent file, if any. */
  private trackingRoot(file: string): string | undefined {
    const root = this.rootOf(file);
    return root !== undefined && this.matcher.isAgentFile(root, file) ? root : undefined;
  }
}
