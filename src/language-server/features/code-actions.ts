import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_SOURCE, type DiagnosticFix } from './diagnostics';

/**
 * Quick fixes for the did-you-mean findings: rename a misspelt key (`temprature` → `temperature`),
 * or replace a misspelt value (`provider: opnai` → `openai`, a model the editor does not have →
 * the closest one it has). The finding carries its fix in `Diagnostic.data` (see `toLspDiagnostic`),
 * so the fix is exactly what the message proposes.
 */
export function agentCodeActions(doc: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    const fix = fixOf(diagnostic);
    if (fix === undefined) continue;
    const written = doc.getText(diagnostic.range);
    if (written === '' || written === fix) continue;
    const newText = requote(written, fix);
    const verb = diagnostic.code === 'unknown-key' ? 'Rename' : 'Change';
    actions.push({
      title: `${verb} \`${written}\` to \`${fix}\``,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [doc.uri]: [{ range: diagnostic.range as Range, newText }] } },
    });
  }
  return actions;
}

function fixOf(d: Diagnostic): string | undefined {
  if (d.source !== DIAGNOSTIC_SOURCE) return undefined;
  const fix = (d.data as Partial<DiagnosticFix> | undefined)?.fix;
  // Only a plain name or value: never replace text with something that changes the YAML's shape.
  return typeof fix === 'string' && fix !== '' && fix.length <= 200 && !/[\n\r]/.test(fix) ? fix : undefined;
}

/** Keeps the quoting the user wrote: `"opnai"` becomes `"openai"`, `'opnai'` becomes `'openai'`. */
function requote(written: string, fix: string): string {
  if (written.length >= 2 && written.startsWith('"') && written.endsWith('"')) return JSON.stringify(fix);
  if (written.length >= 2 && written.startsWith("'") && written.endsWith("'")) return `'${fix.replace(/'/g, "''")}'`;
  return fix;
}
