import { nodeCrypto } from '../lazy-builtins';

/**
 * Names that come from remote servers are untrusted (issue #15: `r__nl\nx`, `r__zero\0byte`, a
 * right-to-left override, `r__<script>…`, `r__../../etc`, an empty name were re-exported raw).
 * A remote tool whose name is empty, too long, or holds control, zero-width or bidirectional
 * characters is dropped with a health warning; any other name is sanitised to the project's tool
 * name rule (letters, digits, "_", "-") before it is re-exported.
 */
const DECEPTIVE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;

/** Longest remote tool name accepted (longer ones are dropped). */
export const MAX_REMOTE_NAME = 128;

/** Why a remote tool name is refused, or undefined when it may be re-exported (after sanitising). */
export function remoteNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'an empty name';
  if (name.length > MAX_REMOTE_NAME) return `a name of ${name.length} characters (at most ${MAX_REMOTE_NAME})`;
  if (DECEPTIVE.test(name)) return 'control, zero-width or bidirectional characters in its name';
  return undefined;
}

/** A remote name in the tool name alphabet: every other character becomes "_". */
export function sanitizeToolPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Remote text shown to people and models (titles, descriptions): deceptive characters removed, length bounded. */
export function cleanRemoteText(text: string | undefined, max = 2048): string | undefined {
  if (text === undefined) return undefined;
  const clean = text.replace(new RegExp(DECEPTIVE.source, 'g'), (c) => (c === '\n' || c === '\t' ? c : ''));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Printable form of a refused name for warnings (escaped, cut). */
export function printableName(name: unknown): string {
  const s = typeof name === 'string' ? name : String(name);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

export function shortHash(text: string): string {
  return nodeCrypto().createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/** Screens the pages of a server's tools/list: refuses odd names, keeps at most `max` tools, says what it left out. */
export class ToolScreen<T extends { name: string }> {
  readonly tools: T[] = [];
  /** More tools than `max` were offered: stop paging. */
  full = false;
  private readonly refused: string[] = [];
  private refusedCount = 0;

  constructor(private readonly max: number) {}

  add(page: readonly T[]): void {
    for (const t of page) {
      const problem = remoteNameProblem(t.name);
      if (problem) {
        this.refusedCount++;
        if (this.refused.length < 5) this.refused.push(`${printableName(t.name)} (${problem})`);
        continue;
      }
      if (this.tools.length >= this.max) {
        this.full = true;
        return;
      }
      this.tools.push(t);
    }
  }

  warnings(): string[] {
    const out: string[] = [];
    if (this.refusedCount) out.push(`${this.refusedCount} tool(s) refused for their names: ${this.refused.join(', ')}${this.refusedCount > this.refused.length ? ', …' : ''}`);
    if (this.full) out.push(`more than ${this.max} tools: only the first ${this.max} are used (max_tools_per_server)`);
    return out;
  }
}
