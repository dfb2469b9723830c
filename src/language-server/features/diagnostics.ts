import * as path from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { findProgram, splitCommandLine, PROVIDERS, type AgentDiagnostic, type AgentSourceKind, type ProviderKind, type Severity, closestMatch, type ParseAgentResult } from '../../core';
import { entryOf, outlineAgentFile, toLspRange, type AgentFileOutline } from './outline';

export const DIAGNOSTIC_SOURCE = 'aop';

/** A model the editor offers (vscode.lm): what the client sends in `aop/knownModels`. */
export interface KnownModel {
  id: string;
  family?: string;
  name?: string;
  vendor?: string;
}

export interface AgentDiagnosticsInput {
  /** File system path of the document. */
  file: string;
  text: string;
  kind: AgentSourceKind;
  /** `parseAgentFile` of `text`. */
  result: ParseAgentResult;
  /** Provider of agents that name none (`editor` in VS Code). */
  defaultProvider: ProviderKind;
  /** Models known to the editor; the model check is off while empty. */
  knownModels: readonly KnownModel[];
  /** The workspace index's finding when another file already uses the name. */
  duplicate?: AgentDiagnostic;
  /** Cross-file findings on `tools:` (an entry that names no agent of the workspace). */
  toolFindings?: readonly AgentDiagnostic[];
  /** Program lookup (tests replace it). Default: `findProgram` of the core. */
  findProgram?: (program: string, cwd: string) => string | undefined;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** A parser finding (1-based, end exclusive) as an LSP diagnostic (0-based). */
export function toLspDiagnostic(d: AgentDiagnostic): Diagnostic {
  const diagnostic: Diagnostic = { range: toLspRange(d), severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
  if (d.fix !== undefined) diagnostic.data = { fix: d.fix } satisfies DiagnosticFix;
  return diagnostic;
}

/** `Diagnostic.data` of a finding with a quick fix: the text to put in place of its range. */
export interface DiagnosticFix {
  fix: string;
}

/** Everything wrong with one agent file: the parser's findings, a taken name, an unknown model, a missing program. */
export function agentDiagnostics(input: AgentDiagnosticsInput): Diagnostic[] {
  const diagnostics = input.result.diagnostics.map(toLspDiagnostic);
  if (input.duplicate) diagnostics.push(toLspDiagnostic(input.duplicate));
  for (const d of input.toolFindings ?? []) diagnostics.push(toLspDiagnostic(d));
  const outline = outlineAgentFile(input.text);
  if (outline.status === 'ok') {
    const provider = effectiveProvider(input, outline);
    if (provider === 'editor') diagnostics.push(...modelDiagnostics(input, outline));
    if (provider === 'command') diagnostics.push(...commandDiagnostics(input, outline));
  }
  return diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** The provider that would run the agent: the parser's answer, or the same rule applied to what can be read. */
export function effectiveProvider(input: Pick<AgentDiagnosticsInput, 'result' | 'defaultProvider'>, outline: AgentFileOutline): ProviderKind {
  if (input.result.agent) return input.result.agent.provider;
  const written = entryOf(outline, 'provider')?.value;
  if ((PROVIDERS as readonly unknown[]).includes(written)) return written as ProviderKind;
  if (entryOf(outline, 'command')) return 'command';
  if (entryOf(outline, 'base_url')) return 'openai';
  return input.defaultProvider;
}

/**
 * Whether `model` names a known model: its id or its family, exactly — as the extension's editor model
 * resolves it (`selectChatModels({id})`, then `({family})`, else it falls back to another model).
 */
export function isKnownModel(model: string, known: readonly KnownModel[]): boolean {
  return known.some((k) => k.id === model || k.family === model);
}

/** Model ids and families, without repeats, for suggestions and completion. */
export function knownModelNames(known: readonly KnownModel[]): string[] {
  const names = new Set<string>();
  for (const k of known) {
    names.add(k.id);
    if (k.family) names.add(k.family);
  }
  return [...names];
}

function modelDiagnostics(input: AgentDiagnosticsInput, outline: AgentFileOutline): Diagnostic[] {
  const entry = entryOf(outline, 'model');
  if (!entry || input.knownModels.length === 0) return [];
  // VS Code custom agents may list models in order of preference: the first is used.
  const first = entry.items?.find((i) => typeof i.value === 'string' && i.value !== '');
  const model = first ? first.value : entry.value;
  const range = first ? first.range : entry.valueRange;
  if (typeof model !== 'string' || model === '' || !range) return [];
  if (input.kind === 'claude' && model === 'inherit') return [];
  if (isKnownModel(model, input.knownModels)) return [];
  const names = knownModelNames(input.knownModels);
  const guess = closestMatch(model, names);
  const listed = names.slice(0, 8).map((n) => `\`${n}\``).join(', ') + (names.length > 8 ? ', …' : '');
  const message =
    `the editor has no model \`${model}\`, so another model would answer` +
    (guess ? `; did you mean \`${guess}\`?` : '.') +
    ` Models it offers: ${listed}. Or set \`provider: openai\` or \`command\` to run the model elsewhere.`;
  const diagnostic: Diagnostic = { range, severity: DiagnosticSeverity.Warning, code: 'unknown-model', source: DIAGNOSTIC_SOURCE, message };
  if (guess) diagnostic.data = { fix: guess } satisfies DiagnosticFix;
  return [diagnostic];
}

function commandDiagnostics(input: AgentDiagnosticsInput, outline: AgentFileOutline): Diagnostic[] {
  const entry = entryOf(outline, 'command');
  if (!entry) return [];
  let program: unknown;
  let range = entry.valueRange;
  if (entry.items) {
    program = entry.items[0]?.value;
    range = entry.items[0]?.range;
  } else if (typeof entry.value === 'string') {
    try {
      program = splitCommandLine(entry.value)[0];
    } catch {
      return []; // the parser reports the unclosed quote
    }
  }
  if (typeof program !== 'string' || program === '' || !range) return [];
  const cwd = path.dirname(input.file);
  const find = input.findProgram ?? ((p: string, dir: string) => findProgram(p, { cwd: dir }));
  if (find(program, cwd)) return [];
  const isPath = /[\\/]/.test(program);
  let message = isPath
    ? `program \`${program}\` does not exist (paths are relative to the folder of the agent file, ${cwd})`
    : `program \`${program}\` is not found on PATH; install it, or give its path (relative to the folder of the agent file)`;
  if (!isPath && find(`./${program}`, cwd)) message += `; for the file next to the agent file write \`./${program}\``;
  return [{ range, severity: DiagnosticSeverity.Warning, code: 'command-not-found', source: DIAGNOSTIC_SOURCE, message }];
}
