import { createHash } from 'node:crypto';
import { isMap, isNode, isScalar, parseDocument, visit, type Document, type Pair } from 'yaml';
import type { z } from 'zod';
import {
  AGENT_DEFAULTS,
  agentFrontMatterSchema,
  type AgentDefinition,
  type AgentDiagnostic,
  type AgentFrontMatter,
  type AgentSourceKind,
  type ProviderKind,
  type Severity,
  TOOL_ENTRY_PATTERN,
} from './definition';
import { splitCommandLine } from './command-line';
import { closestMatch } from './did-you-mean';
import { splitFrontMatter } from './front-matter';
import { baseNameOfAgentFile, describeFromPrompt, FOREIGN_KEYS, sanitizeToolName } from './mapped-formats';
import { isEditorBuiltin } from './tool-entries';
import { SourceText, type SourceRange } from './source-text';
import { parseSimpleFrontMatter } from './simple-front-matter';

export interface ParseAgentOptions {
  /** File format: our own `*.agent.md` (default), a VS Code custom agent or a Claude Code subagent. */
  kind?: AgentSourceKind;
  /** Workspace folder holding the file; part of the stable id. */
  root?: string;
  /** Provider when the file names none and has neither `command` nor `base_url`. Default `editor`. */
  defaultProvider?: ProviderKind;
}

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
type Path = readonly PropertyKey[];

const AOP_KEYS = Object.keys(agentFrontMatterSchema.shape) as (keyof AgentFrontMatter)[];
const SECRET_KEY = /api[-_]?key$|^token$|secret|password/i;
const MAX_DESCRIPTION = 1024;

/** Stable agent id: a short sha256 of the root folder and the file path. */
export function agentId(file: string, root?: string): string {
  return createHash('sha256')
    .update(`${root ?? ''}\0${file}`)
    .digest('hex')
    .slice(0, 16);
}

/** Parses and validates one agent file. Never throws; every problem becomes a diagnostic with an exact range. */
export function parseAgentFile(text: string, file: string, opts: ParseAgentOptions = {}): ParseAgentResult {
  return new AgentFileParser(text, file, opts).parse();
}

class AgentFileParser {
  private readonly diagnostics: AgentDiagnostic[] = [];
  private readonly source: SourceText;
  private readonly kind: AgentSourceKind;
  private doc?: Document.Parsed;
  private yamlStart = 0;
  /** The opening `---` line: where file-level problems (missing keys) are reported. */
  private header: SourceRange;
  /** Index in the written `tools` list of each entry kept (foreign files drop editor built-ins). */
  private toolIndex?: number[];

  constructor(
    text: string,
    private readonly file: string,
    private readonly opts: ParseAgentOptions,
  ) {
    this.source = new SourceText(text);
    this.kind = opts.kind ?? 'aop';
    this.header = this.source.lineRange(0);
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
      this.header = this.source.range(0, 0);
      bodyAnchor = this.header;
    } else {
      this.header = this.source.lineRange(split.openStart);
      const read = this.readFrontMatter(text.slice(split.yamlStart, split.yamlEnd), split.yamlStart);
      if (!read) return this.result();
      values = read;
      body = text.slice(split.bodyStart);
      bodyAnchor = this.source.lineRange(split.closeStart);
    }

    const prompt = body.trim();
    const input = this.knownKeys(values);
    if (this.kind !== 'aop') this.mapForeignKeys(input, values, prompt);
    const parsed = agentFrontMatterSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) this.reportIssue(issue, input);
      return this.result();
    }
    const agent = this.buildAgent(parsed.data, prompt);
    if (!prompt) {
      this.report('warning', 'empty-prompt', 'the system prompt (the text after the front matter) is empty', bodyAnchor);
    }
    return this.result(this.hasErrors() ? undefined : agent);
  }

  private readFrontMatter(yaml: string, yamlStart: number): Record<string, unknown> | undefined {
    this.yamlStart = yamlStart;
    // The common one-key-per-line shape skips the full YAML parser (same document, ~10× faster).
    const doc = parseSimpleFrontMatter(yaml) ?? parseDocument(yaml, { prettyErrors: false, uniqueKeys: true });
    for (const e of doc.errors) this.report('error', 'yaml-syntax', e.message, this.yamlErrorRange(doc, e.pos));
    for (const w of doc.warnings) this.report('warning', 'yaml-syntax', w.message, this.yamlRange(w.pos[0], w.pos[1]));
    if (doc.errors.length > 0) return undefined;
    this.doc = doc;
    if (doc.contents === null) return {};
    if (!isMap(doc.contents)) {
      this.report('error', 'invalid-value', 'front matter must be a mapping of keys to values (`name: …`)', this.nodeRange(doc.contents));
      return undefined;
    }
    const values: Record<string, unknown> = {};
    for (const pair of doc.contents.items) {
      if (!isScalar(pair.key) || typeof pair.key.value === 'object') {
        this.report('error', 'invalid-value', 'keys must be plain names', this.nodeRange(pair.key));
        continue;
      }
      try {
        values[String(pair.key.value)] = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
      } catch (e) {
        // e.g. "Excessive alias count" (an alias bomb): reported, never thrown
        this.report('error', 'yaml-syntax', (e as Error).message, isNode(pair.value) ? this.nodeRange(pair.value) : this.nodeRange(pair.key));
      }
    }
    return this.hasErrors() ? undefined : values;
  }

  /** Keeps our keys; foreign keys of a mapped format are dropped silently; anything else is reported. */
  private knownKeys(values: Record<string, unknown>): Record<string, unknown> {
    const foreign = this.kind === 'aop' ? [] : FOREIGN_KEYS[this.kind];
    const known = new Set<string>([...AOP_KEYS, ...foreign]);
    const input: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      if ((AOP_KEYS as string[]).includes(key)) input[key] = value;
      else if (!known.has(key)) this.reportUnknownKey(key, [...known]);
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

  /** VS Code and Claude Code files: derive name and description when missing, translate model values. */
  private mapForeignKeys(input: Record<string, unknown>, values: Record<string, unknown>, prompt: string): void {
    const written = values.name;
    if (written === undefined || written === null || typeof written === 'string' || typeof written === 'number') {
      const label = written === undefined || written === null ? baseNameOfAgentFile(this.file) : String(written);
      const name = sanitizeToolName(label) || sanitizeToolName(baseNameOfAgentFile(this.file)) || 'agent';
      if (written !== undefined && written !== null && name !== label) {
        this.report('info', 'name-sanitized', `served as tool \`${name}\` (tool names are 1-40 letters, digits, "_" or "-")`, this.pathRange(['name']));
      }
      input.name = name;
    }

    const description = values.description;
    if (description === undefined || description === null || description === '') {
      input.description = describeFromPrompt(prompt, String(input.name));
      this.report(
        'warning',
        'missing-key',
        'no `description`: calling models only see the first line of the prompt; add a description of what the agent does',
        this.pathRange(['description']),
      );
    } else if (typeof description === 'string' && description.length > MAX_DESCRIPTION) {
      input.description = description.slice(0, MAX_DESCRIPTION);
      this.report('warning', 'invalid-value', `\`description\` is cut to ${MAX_DESCRIPTION} characters`, this.pathRange(['description']));
    }

    const model = values.model;
    if (this.kind === 'claude' && model === 'inherit') delete input.model;
    // VS Code accepts a list of models in order of preference.
    if (this.kind === 'vscode' && Array.isArray(model)) {
      const first = model.find((m): m is string => typeof m === 'string' && m.length > 0);
      if (first !== undefined) input.model = first;
      else delete input.model;
    }
    this.mapForeignTools(input, values);
  }

  /**
   * `tools` / `mcp-servers` (VS Code) and `tools` / `mcpServers` / `maxTurns` (Claude): entries that
   * name agents or declared MCP servers are honoured; editor built-ins get an info finding.
   */
  private mapForeignTools(input: Record<string, unknown>, values: Record<string, unknown>): void {
    const serversKey = this.kind === 'vscode' ? 'mcp-servers' : 'mcpServers';
    const servers = values[serversKey];
    if (servers !== undefined && servers !== null) {
      if (typeof servers === 'object' && !Array.isArray(servers)) input.mcp_servers = servers;
      else this.report('info', 'unused-key', `\`${serversKey}\` is used only as a mapping of alias → {url, headers} or {command, args, env}; this one is left to the editor`, this.keyRange(serversKey));
    }
    if (this.kind === 'claude' && values.maxTurns !== undefined) input.max_turns = values.maxTurns;
    let tools = values.tools;
    if (typeof tools === 'string') tools = tools.split(',').map((t) => t.trim()).filter(Boolean);
    if (tools === undefined || tools === null || !Array.isArray(tools)) return;
    const kept: string[] = [];
    const index: number[] = [];
    const editorOnly: string[] = [];
    tools.forEach((entry, i) => {
      if (typeof entry !== 'string') return;
      if (isEditorBuiltin(entry, this.kind) || !TOOL_ENTRY_PATTERN.test(entry)) editorOnly.push(entry);
      else {
        kept.push(entry);
        index.push(i);
      }
    });
    if (editorOnly.length > 0) {
      const editor = this.kind === 'vscode' ? "VS Code's" : "Claude Code's";
      this.report(
        'info',
        'editor-tool',
        `${editorOnly.map((t) => `\`${t}\``).join(', ')} exist${editorOnly.length === 1 ? 's' : ''} only inside ${editor} own chat; served as an AOP agent this file uses its agents and MCP servers only`,
        this.keyRange('tools'),
      );
    }
    input.tools = kept;
    this.toolIndex = index;
  }

  private buildAgent(fm: AgentFrontMatter, prompt: string): AgentDefinition {
    const provider: ProviderKind =
      fm.provider ??
      (fm.command !== undefined ? 'command' : fm.base_url !== undefined ? 'openai' : (this.opts.defaultProvider ?? 'editor'));

    let command: string[] | undefined;
    if (typeof fm.command === 'string') {
      try {
        command = splitCommandLine(fm.command);
        if (command.length === 0) throw new Error('no program');
      } catch (e) {
        this.report('error', 'invalid-value', `\`command\` cannot be split into arguments: ${(e as Error).message}`, this.pathRange(['command']));
      }
    } else command = fm.command;

    if (provider === 'command' && fm.command === undefined) {
      this.report(
        'error',
        'missing-key',
        'provider `command` needs `command`: the program and its arguments, e.g. `command: [claude, -p]` (task on stdin, answer on stdout)',
        this.pathRange(['provider']),
      );
    }
    if (provider === 'openai' && fm.model === undefined) {
      this.report('error', 'missing-key', 'provider `openai` needs `model`, e.g. `model: gpt-4o`', this.pathRange(['provider']));
    }
    const unused: [keyof AgentFrontMatter, ProviderKind][] = [
      ['command', 'command'],
      ['base_url', 'openai'],
      ['api_key_env', 'openai'],
    ];
    for (const [key, owner] of unused) {
      if (fm[key] !== undefined && provider !== owner) {
        this.report('warning', 'unused-key', `\`${key}\` is ignored: it is only used by provider \`${owner}\`, this agent uses \`${provider}\``, this.keyRange(key));
      }
    }

    const root = this.opts.root;
    return withoutUndefined({
      id: agentId(this.file, root),
      name: fm.name,
      description: fm.description,
      model: fm.model,
      provider,
      baseUrl: fm.base_url,
      apiKeyEnv: fm.api_key_env,
      command,
      temperature: fm.temperature,
      maxTokens: fm.max_tokens,
      maxLoops: fm.max_loops ?? AGENT_DEFAULTS.maxLoops,
      timeout: fm.timeout ?? AGENT_DEFAULTS.timeout,
      maxRetries: fm.max_retries ?? AGENT_DEFAULTS.maxRetries,
      maxConcurrency: fm.max_concurrency ?? AGENT_DEFAULTS.maxConcurrency,
      queueLimit: fm.queue_limit ?? AGENT_DEFAULTS.queueLimit,
      tags: fm.tags ?? [],
      capabilities: fm.capabilities ?? [],
      role: fm.role ?? AGENT_DEFAULTS.role,
      tools: fm.tools && fm.tools.length > 0 ? [...new Set(fm.tools)] : undefined,
      mcpServers: fm.mcp_servers,
      maxTurns: fm.max_turns,
      allowRecursion: fm.allow_recursion,
      systemPrompt: prompt,
      source: withoutUndefined({ file: this.file, kind: this.kind, root }),
    });
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
      this.report('error', 'missing-key', `missing required key \`${key}\`${meaning ? ` (${meaning})` : ''}`, this.header);
      return;
    }
    const code = key === 'name' && issue.code !== 'invalid_type' ? 'invalid-name' : 'invalid-value';
    // A misspelt choice (`provider: opnai`): the message and the quick fix name the closest one.
    const suggestion =
      issue.code === 'invalid_value' && typeof value === 'string' ? closestMatch(value, issue.values.map((v) => String(v))) : undefined;
    const message = issueMessage(issue, value) + (suggestion ? `; did you mean \`${suggestion}\`?` : '');
    this.report('error', code, message, this.pathRange(path), suggestion);
  }

  /** The value node at `path`, or the closest enclosing node that exists, or the header line. */
  private pathRange(path: Path): SourceRange {
    for (let n = path.length; n > 0 && this.doc; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range && node.range[1] > node.range[0]) return this.nodeRange(node);
      if (n === 1) return this.keyRange(String(path[0]));
    }
    return this.header;
  }

  private keyRange(key: string): SourceRange {
    const pair = this.pair(key);
    return pair && isNode(pair.key) ? this.nodeRange(pair.key) : this.header;
  }

  private pair(key: string): Pair | undefined {
    const contents = this.doc?.contents;
    if (!isMap(contents)) return undefined;
    return contents.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  }

  private nodeRange(node: unknown): SourceRange {
    const range = isNode(node) ? node.range : undefined;
    return range ? this.yamlRange(range[0], range[1]) : this.header;
  }

  /** yaml reports some errors on one character; widen them to the scalar starting there (a duplicate key…). */
  private yamlErrorRange(doc: Document.Parsed, [start, end]: [number, number]): SourceRange {
    let widened = end;
    visit(doc, {
      Scalar: (_key, node) => {
        if (node.range?.[0] === start && node.range[1] > widened) {
          widened = node.range[1];
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return this.yamlRange(start, widened);
  }

  /** Offsets in the front matter text to a file range; trailing white space is not part of it. */
  private yamlRange(start: number, end: number): SourceRange {
    const text = this.source.text;
    while (end > start + 1 && /\s/.test(text[this.yamlStart + end - 1] ?? '')) end--;
    return this.source.range(this.yamlStart + start, this.yamlStart + end);
  }

  private report(severity: Severity, code: string, message: string, range: SourceRange, fix?: string): void {
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
    let v: unknown;
    try {
      v = (this.doc?.toJS() as Record<string, unknown> | undefined)?.tools;
    } catch {
      v = undefined;
    }
    const list = typeof v === 'string' ? v.split(',').map((t) => t.trim()).filter(Boolean) : Array.isArray(v) ? v : [];
    if (!this.toolIndex) return list.map(String);
    return this.toolIndex.map((i) => String(list[i]));
  }
}

function valueAt(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function pathLabel(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function issueMessage(issue: ZodIssue, value: unknown): string {
  const key = `\`${pathLabel(issue.path)}\``;
  switch (issue.code) {
    case 'invalid_type':
      return `${key} must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(value)}`;
    case 'too_big':
    case 'too_small': {
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const word = issue.code === 'too_big' ? (issue.inclusive ? 'at most' : 'less than') : issue.inclusive ? 'at least' : 'greater than';
      if (issue.code === 'too_small' && (issue.origin === 'string' || issue.origin === 'array') && Number(bound) === 1) {
        return `${key} must not be empty`;
      }
      if (issue.origin === 'string') return `${key} must be ${word} ${String(bound)} characters long`;
      if (issue.origin === 'array') return `${key} must have ${word} ${String(bound)} items`;
      return `${key} must be ${word} ${String(bound)} (got ${String(value)})`;
    }
    case 'invalid_value':
      return `${key} must be one of ${issue.values.map((v) => String(v)).join(', ')}, not ${describeValue(value)}`;
    case 'invalid_format':
      if (issue.format === 'url') return `${key} must be a URL such as http://127.0.0.1:11434/v1, not ${describeValue(value)}`;
      if (issue.message && !issue.message.startsWith('Invalid')) return `${key} ${issue.message}`;
      return `${key} must match ${issue.format === 'regex' && 'pattern' in issue ? String(issue.pattern) : issue.format}`;
    case 'invalid_union':
      if (issue.path[0] === 'mcp_servers') {
        return `${key} must be {url, headers} (an HTTP server) or {command, args, env} (a stdio server), not ${describeValue(value)}`;
      }
      if (issue.path[0] === 'command') return `${key} must be a command line or a list of program and arguments, not ${describeValue(value)}`;
      return `${key} has an invalid value ${describeValue(value)}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'empty text' : JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
