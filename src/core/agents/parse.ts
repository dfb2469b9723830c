import { isMap, isNode, isScalar, parseDocument } from 'yaml';
import type { z } from 'zod';
import { agentFrontMatterSchema, type AgentDefinition, type AgentDiagnostic, type AgentFrontMatter, type AgentSourceKind, type Severity } from './definition';
import { buildAgent } from './build-agent';
import { closestMatch } from './did-you-mean';
import { mapForeignKeys } from './foreign-front-matter';
import { splitFrontMatter } from './front-matter';
import { issueMessage, valueAt } from './issue-messages';
import { frontMatterSchemaFor } from './key-set-schema';
import { checkedFrontMatter } from './front-matter-check';
import { FOREIGN_KEYS } from './mapped-formats';
import { withoutUndefined, type ParseAgentOptions, type ParseContext, type Path } from './parse-context';
import { parseSimpleFrontMatter } from './simple-front-matter';
import { SourceText, type SourceRange } from './source-text';
import { YamlRanges } from './yaml-ranges';

export interface ParseAgentResult {
  /** Present only when there is no error (warnings allowed). */
  agent?: AgentDefinition;
  diagnostics: AgentDiagnostic[];
  /** Where the name is written (or the front matter opening line when it is derived from the file name). */
  nameRange?: SourceRange;
  /** Where each of `agent.tools` is written (for cross-file `unknown-tool` findings). */
  toolRanges?: SourceRange[];
}

type ZodIssue = z.ZodError['issues'][number];

const AOP_KEYS = Object.keys(agentFrontMatterSchema.shape) as (keyof AgentFrontMatter)[];
const AOP_KEY_SET: ReadonlySet<string> = new Set(AOP_KEYS);
/** Keys a file of each format may write: ours, and the format's own. */
const KNOWN_KEYS: Record<AgentSourceKind, readonly string[]> = {
  aop: AOP_KEYS,
  vscode: [...new Set([...AOP_KEYS, ...FOREIGN_KEYS.vscode])],
  claude: [...new Set([...AOP_KEYS, ...FOREIGN_KEYS.claude])],
};
const SECRET_KEY = /api[-_]?key$|^token$|secret|password/i;

/** Parses and validates one agent file. Never throws; every problem becomes a diagnostic with an exact range. */
export function parseAgentFile(text: string, file: string, opts: ParseAgentOptions = {}): ParseAgentResult {
  return new AgentFileParser(text, file, opts).parse();
}

/** One parse of one file: reads the front matter, checks it, builds the definition, collects findings. */
class AgentFileParser implements ParseContext {
  private readonly diagnostics: AgentDiagnostic[] = [];
  private readonly source: SourceText;
  readonly kind: AgentSourceKind;
  private readonly ranges: YamlRanges;
  /** The front matter's values, once read without errors. */
  private values?: Record<string, unknown>;
  /** Index in the written `tools` list of each entry kept (foreign files drop editor built-ins). */
  private toolIndex?: number[];

  constructor(
    text: string,
    readonly file: string,
    private readonly opts: ParseAgentOptions,
  ) {
    this.source = new SourceText(text);
    this.kind = opts.kind ?? 'aop';
    this.ranges = new YamlRanges(this.source, this.source.lineRange(0));
  }

  parse(): ParseAgentResult {
    const text = this.source.text;
    const split = splitFrontMatter(text);
    let values: Record<string, unknown>;
    let body: string;
    let bodyAnchor: SourceRange;
    if (split.status === 'unclosed') {
      this.report('error', 'no-front-matter', 'front matter is not closed: add a `---` line after the last key', this.source.lineRange(split.openStart));
      return this.result();
    } else if (split.status === 'missing') {
      if (this.kind !== 'vscode') {
        this.report(
          'error',
          'no-front-matter',
          'agent files start with YAML front matter between two `---` lines (name, description, …), then the system prompt',
          this.source.lineRange(0),
        );
        return this.result();
      }
      // VS Code custom agents may omit the header entirely.
      values = {};
      body = text;
      this.ranges.header = this.source.range(0, 0);
      bodyAnchor = this.ranges.header;
    } else {
      this.ranges.header = this.source.lineRange(split.openStart);
      const read = this.readFrontMatter(text.slice(split.yamlStart, split.yamlEnd), split.yamlStart);
      if (!read) return this.result();
      values = read;
      body = text.slice(split.bodyStart);
      bodyAnchor = this.source.lineRange(split.closeStart);
    }

    const prompt = body.trim();
    const input = this.knownKeys(values);
    if (this.kind !== 'aop') this.toolIndex = mapForeignKeys(this, input, values, prompt);
    let frontMatter = checkedFrontMatter(input);
    if (!frontMatter) {
      const parsed = frontMatterSchemaFor(input).safeParse(input) as z.ZodSafeParseResult<AgentFrontMatter>;
      if (!parsed.success) {
        for (const issue of parsed.error.issues) this.reportIssue(issue, input);
        return this.result();
      }
      frontMatter = parsed.data;
    }
    const agent = buildAgent(this, frontMatter, prompt, this.opts);
    if (!prompt) {
      this.report('warning', 'empty-prompt', 'the system prompt (the text after the front matter) is empty', bodyAnchor);
    }
    return this.result(this.hasErrors() ? undefined : agent);
  }

  private readFrontMatter(yaml: string, yamlStart: number): Record<string, unknown> | undefined {
    this.ranges.yamlStart = yamlStart;
    // The common one-key-per-line shape skips the full YAML parser and its document (same values
    // and ranges, several times cheaper).
    const simple = parseSimpleFrontMatter(yaml);
    if (simple) {
      this.ranges.simple = simple;
      const values: Record<string, unknown> = {};
      for (const [key, entry] of simple) values[key] = entry.value;
      return (this.values = values);
    }
    const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: true });
    for (const e of doc.errors) this.report('error', 'yaml-syntax', e.message, this.ranges.errorRange(doc, e.pos));
    for (const w of doc.warnings) this.report('warning', 'yaml-syntax', w.message, this.ranges.range(w.pos[0], w.pos[1]));
    if (doc.errors.length > 0) return undefined;
    this.ranges.doc = doc;
    if (doc.contents === null) return {};
    if (!isMap(doc.contents)) {
      this.report('error', 'invalid-value', 'front matter must be a mapping of keys to values (`name: …`)', this.ranges.nodeRange(doc.contents));
      return undefined;
    }
    const values: Record<string, unknown> = {};
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || typeof pair.key.value === 'object') {
        this.report('error', 'invalid-value', 'keys must be plain names', this.ranges.nodeRange(pair.key));
        continue;
      }
      try {
        values[String(pair.key.value)] = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
      } catch (e) {
        // e.g. "Excessive alias count" (an alias bomb): reported, never thrown
        this.report('error', 'yaml-syntax', (e as Error).message, isNode(pair.value) ? this.ranges.nodeRange(pair.value) : this.ranges.nodeRange(pair.key));
      }
    }
    if (this.hasErrors()) return undefined;
    return (this.values = values);
  }

  /** Keeps our keys; foreign keys of a mapped format are dropped silently; anything else is reported. */
  private knownKeys(values: Record<string, unknown>): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const key of Object.keys(values)) {
      if (AOP_KEY_SET.has(key)) input[key] = values[key];
      else if (!KNOWN_KEYS[this.kind].includes(key)) this.reportUnknownKey(key, [...KNOWN_KEYS[this.kind]]);
    }
    return input;
  }

  private reportUnknownKey(key: string, candidates: string[]): void {
    const range = this.keyRange(key);
    // A foreign file only warns: its format may have grown keys we do not know yet.
    const severity: Severity = this.kind === 'aop' ? 'error' : 'warning';
    if (SECRET_KEY.test(key)) {
      const message = `unknown key \`${key}\`: secrets never go in agent files; set \`api_key_env\` to the name of an environment variable that holds the key`;
      this.report(severity, 'unknown-key', message, range);
      return;
    }
    const suggestion = closestMatch(key, candidates);
    let message = `unknown key \`${key}\``;
    if (suggestion) message += `; did you mean \`${suggestion}\`?`;
    else if (this.kind === 'aop') {
      const format = FOREIGN_KEYS.vscode.includes(key) ? 'VS Code custom agents' : FOREIGN_KEYS.claude.includes(key) ? 'Claude Code subagents' : undefined;
      message += format ? ` (a key of ${format}, read only from their own folders)` : `; known keys: ${AOP_KEYS.join(', ')}`;
    }
    this.report(severity, 'unknown-key', message, range, suggestion);
  }

  private reportIssue(issue: ZodIssue, input: Record<string, unknown>): void {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) this.reportUnknownKey(key, AOP_KEYS);
      return;
    }
    const path = issue.path;
    const value = valueAt(input, path);
    const key = String(path[0] ?? '');
    if (path.length === 1 && value === undefined) {
      const meaning = agentFrontMatterSchema.shape[key as keyof AgentFrontMatter]?.description;
      this.report('error', 'missing-key', `missing required key \`${key}\`${meaning ? ` (${meaning})` : ''}`, this.ranges.header);
      return;
    }
    const code = key === 'name' && issue.code !== 'invalid_type' ? 'invalid-name' : 'invalid-value';
    // A misspelt choice (`provider: opnai`): the message and the quick fix name the closest one.
    const suggestion =
      issue.code === 'invalid_value' && typeof value === 'string' ? closestMatch(value, issue.values.map((v) => String(v))) : undefined;
    const message = issueMessage(issue, value) + (suggestion ? `; did you mean \`${suggestion}\`?` : '');
    this.report('error', code, message, this.pathRange(path), suggestion);
  }

  pathRange(path: Path): SourceRange {
    return this.ranges.pathRange(path);
  }

  keyRange(key: string): SourceRange {
    return this.ranges.keyRange(key);
  }

  report(severity: Severity, code: string, message: string, range: SourceRange, fix?: string): void {
    this.diagnostics.push(withoutUndefined({ file: this.file, ...range, severity, message, code, fix }));
  }

  private hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  private result(agent?: AgentDefinition): ParseAgentResult {
    const diagnostics = this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    const toolRanges = agent?.tools?.map((entry) => {
      const written = this.writtenTools().indexOf(entry);
      return written >= 0 ? this.pathRange(['tools', this.toolIndex?.[written] ?? written]) : this.keyRange('tools');
    });
    return withoutUndefined({ agent, diagnostics, nameRange: agent ? this.pathRange(['name']) : undefined, toolRanges });
  }

  /** The `tools` entries as kept by the parser, in written order (before de-duplication). */
  private writtenTools(): string[] {
    const v = this.values?.tools;
    const list = typeof v === 'string' ? v.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(v) ? v : [];
    if (!this.toolIndex) return list.map(String);
    return this.toolIndex.map((i) => String(list[i]));
  }
}
