import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { AgentSourceKind } from './definition';

/** Our own agents anywhere, VS Code custom agents and Claude Code subagents at the workspace root. */
export const DEFAULT_AGENT_INCLUDE: readonly string[] = ['**/*.agent.md', '.github/agents/*.agent.md', '.claude/agents/*.md'];
/** The same files as globs matching anywhere in a workspace (editor document selectors, file watchers). */
export const WORKSPACE_AGENT_GLOBS: readonly string[] = DEFAULT_AGENT_INCLUDE.map((g) => (g.startsWith('**/') ? g : `**/${g}`));
export const DEFAULT_AGENT_EXCLUDE: readonly string[] = ['**/node_modules/**', '**/.git/**'];

/** The file format, decided by where the file lives. */
export function sourceKindOf(file: string): AgentSourceKind {
  if (!file.includes('.github') && !file.includes('.claude')) return 'aop';
  const normalized = file.split(path.sep).join('/');
  if (/(^|\/)\.github\/agents\/[^/]+$/.test(normalized)) return 'vscode';
  if (/(^|\/)\.claude\/agents\/[^/]+$/.test(normalized)) return 'claude';
  return 'aop';
}

/** Decides which paths under a root are agent files, and which folders are not worth entering. */
export class AgentFileMatcher {
  private readonly included: (p: string) => boolean;
  private readonly excluded: (p: string) => boolean;

  constructor(include: readonly string[] = DEFAULT_AGENT_INCLUDE, exclude: readonly string[] = DEFAULT_AGENT_EXCLUDE) {
    this.included = picomatch([...include]);
    this.excluded = exclude.length ? picomatch([...exclude], { dot: true }) : () => false;
  }

  isAgentFile(root: string, file: string): boolean {
    const rel = relativeTo(root, file);
    return rel !== undefined && rel !== '' && this.included(rel) && !this.excluded(rel);
  }

  /**
   * The agent files among `files`, the entries of the folder `dir` under `root` as a listing gives
   * them (`dir` + separator + name): `isAgentFile` for each, with the folder's relative path
   * worked out once.
   */
  agentFilesIn(root: string, dir: string, files: readonly string[]): string[] {
    const relDir = relativeTo(root, dir);
    if (relDir === undefined) return [];
    const cut = dir.endsWith(path.sep) ? dir.length : dir.length + 1;
    const out: string[] = [];
    for (const file of files) {
      const name = file.slice(cut);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      if (name !== '' && this.included(rel) && !this.excluded(rel)) out.push(file);
    }
    return out;
  }

  isExcludedDir(root: string, dir: string): boolean {
    const rel = relativeTo(root, dir);
    return rel === undefined || (rel !== '' && this.excluded(rel));
  }
}

/** A `.` or `..` segment, or an empty one (a leading, doubled or trailing separator): such a path goes through path.relative. */
const DOT_SEGMENT = /(^|[\\/])\.{1,2}([\\/]|$)|^[\\/]|[\\/][\\/]|[\\/]$/;

/** `file` relative to `root` with `/` separators; undefined when it is outside. */
export function relativeTo(root: string, file: string): string | undefined {
  // The common case, a path the scan built under the root, without path.relative's normalising.
  if (file.length > root.length + 1 && file.startsWith(root) && file[root.length] === path.sep) {
    const rest = file.slice(root.length + 1);
    if (!DOT_SEGMENT.test(rest)) return path.sep === '/' ? rest : rest.split(path.sep).join('/');
  }
  const rel = path.relative(root, file);
  // `..` or `../x` is outside; `..x` is a file name.
  if (rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

export interface DirectoryListing {
  files: string[];
  /** Sub-folders (not symbolic links: following them risks cycles). */
  dirs: string[];
}

/**
 * One folder's entries as absolute paths; undefined when the folder is gone. Symbolic links to
 * files count as files. Synchronous: a listing is one system call, and awaiting one per folder
 * left the thread idle between folders (~70 ms over the 100 folders of 10,000 agent files).
 */
export function listDirectorySync(dir: string): DirectoryListing | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  const listing: DirectoryListing = { files: [], dirs: [] };
  // `dir` comes resolved (no `.`, `..` or doubled separators) and a name has no separator: join by hand
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  for (const entry of entries) {
    const full = prefix + entry.name;
    if (entry.isDirectory()) listing.dirs.push(full);
    else if (entry.isFile()) listing.files.push(full);
    else if (entry.isSymbolicLink() && linksToFile(full)) listing.files.push(full);
  }
  return listing;
}

/** A link whose target is a file (a dangling, looping or unreadable link is not). */
function linksToFile(link: string): boolean {
  try {
    return statSync(link).isFile();
  } catch {
    return false;
  }
}

/** One buffer for every small read: agent files are a few hundred bytes, and a scan reads thousands. */
const SMALL_FILE = Buffer.allocUnsafe(64 * 1024);

/**
 * A file's text, read synchronously: open, one read, close (readFileSync also asks the size
 * first and allocates a buffer per file; this is ~1.5× cheaper for small files). Bigger files take
 * the usual path. Throws what fs throws.
 */
export function readTextFileSync(file: string): string {
  const fd = openSync(file, 'r');
  let length: number;
  try {
    length = readSync(fd, SMALL_FILE, 0, SMALL_FILE.length, 0);
  } finally {
    closeSync(fd);
  }
  return length < SMALL_FILE.length ? SMALL_FILE.toString('utf8', 0, length) : readFileSync(file, 'utf8');
}

export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
