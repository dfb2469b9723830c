import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CodeActionKind, CodeActionRequest, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import { LspSession, msg, tempWorkspace, uriOf, where } from './lsp-harness';

const lines = (...l: string[]) => l.join('\n');

describe('language server: quick fixes for did-you-mean findings', () => {
  let ws: Awaited<ReturnType<typeof tempWorkspace>>;
  let lsp: LspSession;
  before(async () => {
    ws = await tempWorkspace({});
    lsp = await LspSession.start([ws.dir], { knownModels: [{ id: 'gpt-4o-mini-2024', family: 'gpt-4o-mini' }, { id: 'claude-sonnet-4', family: 'claude-sonnet' }] });
  });
  after(async () => {
    lsp.dispose();
    await ws.remove();
  });

  const actionsFor = (file: string, diagnostics: Diagnostic[]) =>
    lsp.client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uriOf(file) },
      range: diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics },
    }) as Promise<CodeAction[]>;

  /** Applies the actions' edits to `text` (as the editor would) and returns the new text. */
  const apply = (file: string, text: string, actions: CodeAction[]) => {
    const doc = TextDocument.create(uriOf(file), 'markdown', 1, text);
    const edits = actions.flatMap((a) => a.edit?.changes?.[uriOf(file)] ?? []);
    return TextDocument.applyEdits(doc, edits);
  };

  it('announces quick fixes', () => {
    assert.deepEqual(lsp.initializeResult!.capabilities.codeActionProvider, { codeActionKinds: [CodeActionKind.QuickFix] });
  });

  it('renames a misspelt key and fixes a misspelt choice, keeping the quotes; the fixed file is clean', async () => {
    const file = ws.path('typo.agent.md');
    const text = lines('---', 'name: typo', 'description: Has typos.', 'provider: "comand"', 'command: [cat]', 'temprature: 0.5', 'maxTokens: 10', '---', 'You echo.');
    await lsp.open(file, text);
    const d = await lsp.diagnosticsFor(file, (x) => x.length === 3);
    assert.deepEqual(d.map(where), ['3:10-3:18 invalid-value', '5:0-5:10 unknown-key', '6:0-6:9 unknown-key']);
    assert.match(msg(d[0]), /must be one of editor, openai, command, not "comand"; did you mean `command`\?/);

    const actions = await actionsFor(file, d);
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred, a.diagnostics?.map(where)]),
      [
        ['Change `"comand"` to `command`', 'quickfix', true, ['3:10-3:18 invalid-value']],
        ['Rename `temprature` to `temperature`', 'quickfix', true, ['5:0-5:10 unknown-key']],
        ['Rename `maxTokens` to `max_tokens`', 'quickfix', true, ['6:0-6:9 unknown-key']],
      ],
    );
    const fixed = apply(file, text, actions);
    assert.equal(fixed, lines('---', 'name: typo', 'description: Has typos.', 'provider: "command"', 'command: [cat]', 'temperature: 0.5', 'max_tokens: 10', '---', 'You echo.'));
    await lsp.change(file, fixed);
    await lsp.diagnosticsFor(file, (x) => x.length === 0);
  });

  it('replaces a model the editor does not have with the closest one it has', async () => {
    const file = ws.path('model.agent.md');
    const text = lines('---', 'name: model', 'description: d', 'provider: editor', "model: 'gpt-4o-mini-2023'", '---', 'x');
    await lsp.open(file, text);
    const d = await lsp.diagnosticsFor(file, (x) => x.length === 1);
    assert.equal(where(d[0]), '4:7-4:25 unknown-model');
    const actions = await actionsFor(file, d);
    assert.deepEqual(actions.map((a) => a.title), ['Change `\'gpt-4o-mini-2023\'` to `gpt-4o-mini-2024`']);
    const fixed = apply(file, text, actions);
    assert.match(fixed, /^model: 'gpt-4o-mini-2024'$/m);
    await lsp.change(file, fixed);
    await lsp.diagnosticsFor(file, (x) => x.length === 0);
  });

  it('offers nothing for findings without a suggestion, nor for other sources or stale ranges', async () => {
    const file = ws.path('none.agent.md');
    const text = lines('---', 'name: none', 'description: d', 'provider: command', 'command: [cat]', 'zzzzzzzz: 1', '---', 'x');
    await lsp.open(file, text);
    const d = await lsp.diagnosticsFor(file, (x) => x.length === 1);
    assert.match(msg(d[0]), /unknown key `zzzzzzzz`; known keys:/);
    assert.deepEqual(await actionsFor(file, d), []);
    // Another extension's finding that happens to carry a `fix`, and a finding whose range no longer holds text.
    const foreign = { ...d[0], source: 'other', data: { fix: 'name' } };
    const stale = { ...d[0], range: { start: { line: 20, character: 0 }, end: { line: 20, character: 3 } }, data: { fix: 'name' } };
    assert.deepEqual(await actionsFor(file, [foreign, stale]), []);
  });
});
