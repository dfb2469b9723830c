import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CompletionItemKind, DiagnosticSeverity, FileChangeType, InsertTextFormat, type MarkupContent } from 'vscode-languageserver/node';
import { LspSession, msg, tempWorkspace, uriOf, where } from './lsp-harness';

const lines = (...l: string[]) => l.join('\n');

describe('language server: diagnostics', () => {
  let ws: Awaited<ReturnType<typeof tempWorkspace>>;
  let lsp: LspSession;
  before(async () => {
    ws = await tempWorkspace({ 'run.sh': '#!/bin/sh\ncat\n' });
    lsp = await LspSession.start([ws.dir]);
  });
  after(async () => {
    lsp.dispose();
    await ws.remove();
  });

  it('announces its features', () => {
    const caps = lsp.initializeResult!.capabilities;
    assert.ok(caps.completionProvider);
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.codeLensProvider);
    assert.equal(caps.documentSymbolProvider, true);
  });

  it('reports schema findings with exact ranges, severity, code and source', async () => {
    const file = ws.path('bad.agent.md');
    await lsp.open(
      file,
      lines(
        '---',
        'name: bad name!',
        'description: Reviews code.',
        'provider: editr',
        'temprature: 0.5',
        'max_tokens: -3',
        'tags: review',
        '---',
        'You review.',
      ),
    );
    const d = await lsp.diagnosticsFor(file);
    assert.deepEqual(d.map(where), [
      '1:6-1:15 invalid-name',
      '3:10-3:15 invalid-value',
      '4:0-4:10 unknown-key',
      '5:12-5:14 invalid-value',
      '6:6-6:12 invalid-value',
    ]);
    assert.ok(d.every((x) => x.source === 'aop' && x.severity === DiagnosticSeverity.Error));
    assert.match(msg(d[1]), /must be one of editor, openai, command, not "editr"/);
    assert.match(msg(d[2]), /did you mean `temperature`\?/);
    assert.match(msg(d[3]), /`max_tokens` must be at least 1/);
    assert.match(msg(d[4]), /`tags` must be a list/);
  });

  it('reports YAML syntax errors at the offending key', async () => {
    const file = ws.path('yaml.agent.md');
    await lsp.open(file, lines('---', 'name: a', 'description: d', 'name: b', '---', 'x'));
    const d = await lsp.diagnosticsFor(file);
    assert.deepEqual(d.map(where), ['3:0-3:4 yaml-syntax']);
    assert.equal(d[0].severity, DiagnosticSeverity.Error);
  });

  it('reports a missing key on the opening line, an empty prompt on the closing line, a file without front matter', async () => {
    const missing = ws.path('missing.agent.md');
    await lsp.open(missing, lines('---', 'name: a', '---', 'x'));
    const m = await lsp.diagnosticsFor(missing);
    assert.deepEqual(m.map(where), ['0:0-0:3 missing-key']);
    assert.match(msg(m[0]), /missing required key `description`/);

    const empty = ws.path('empty.agent.md');
    await lsp.open(empty, lines('---', 'name: a2', 'description: d', '---', '', ''));
    const e = await lsp.diagnosticsFor(empty);
    assert.deepEqual(e.map(where), ['3:0-3:3 empty-prompt']);
    assert.equal(e[0].severity, DiagnosticSeverity.Warning);

    const none = ws.path('none.agent.md');
    await lsp.open(none, 'Just a prompt.\n');
    assert.deepEqual((await lsp.diagnosticsFor(none)).map(where), ['0:0-0:14 no-front-matter']);
  });

  it('updates as the document changes (debounced) and clears when fixed', async () => {
    const file = ws.path('edit.agent.md');
    await lsp.open(file, lines('---', 'name: edit', 'descripton: d', '---', 'x'));
    assert.deepEqual((await lsp.diagnosticsFor(file)).map(where), ['0:0-0:3 missing-key', '2:0-2:10 unknown-key']);
    await lsp.change(file, lines('---', 'name: edit', 'description: d', '---', 'x'));
    await lsp.diagnosticsFor(file, (d) => d.length === 0);
  });

  it('warns about a model the editor does not offer, once it knows the models', async () => {
    const file = ws.path('model.agent.md');
    await lsp.open(file, lines('---', 'name: modeled', 'description: d', 'model: gpt-4.0', '---', 'x'));
    assert.deepEqual(await lsp.diagnosticsFor(file), [], 'no list yet: no warning');
    await lsp.knownModels({ models: [{ id: 'copilot-gpt-4o', family: 'gpt-4o', vendor: 'copilot' }, 'claude-sonnet-4'] });
    const d = await lsp.diagnosticsFor(file, (x) => x.length > 0);
    assert.deepEqual(d.map(where), ['3:7-3:14 unknown-model']);
    assert.equal(d[0].severity, DiagnosticSeverity.Warning);
    assert.match(msg(d[0]), /did you mean `gpt-4o`\?/);
    assert.match(msg(d[0]), /`copilot-gpt-4o`, `gpt-4o`, `claude-sonnet-4`/);

    await lsp.change(file, lines('---', 'name: modeled', 'description: d', 'model: gpt-4o', '---', 'x'));
    await lsp.diagnosticsFor(file, (x) => x.length === 0);
    await lsp.change(file, lines('---', 'name: modeled', 'description: d', 'model: llama3.2', '---', 'x'));
    assert.match(msg((await lsp.diagnosticsFor(file, (x) => x.length > 0))[0]), /no model `llama3\.2`, so another model would answer\. Models it offers/);
    await lsp.change(file, lines('---', 'name: modeled', 'description: d', 'provider: openai', 'model: llama3.2', '---', 'x'));
    assert.deepEqual(await lsp.diagnosticsFor(file, (x) => x.length === 0), [], 'other providers resolve their own models');
  });

  it('warns when the program of a command agent is neither on PATH nor a file', async () => {
    await chmod(ws.path('run.sh'), 0o755);
    const file = ws.path('cmd.agent.md');
    await lsp.open(file, lines('---', 'name: cmd', 'description: d', 'command: [no-such-program-aop, -p]', '---', 'x'));
    const d = await lsp.diagnosticsFor(file, (x) => x.length > 0);
    assert.deepEqual(d.map(where), ['3:10-3:29 command-not-found']);
    assert.equal(d[0].severity, DiagnosticSeverity.Warning);
    assert.match(msg(d[0]), /not found on PATH/);

    await lsp.change(file, lines('---', 'name: cmd', 'description: d', 'command: run.sh --fast', '---', 'x'));
    const bare = await lsp.diagnosticsFor(file, (x) => x.length > 0 && x[0].range.end.character === 22);
    assert.deepEqual(bare.map(where), ['3:9-3:22 command-not-found']);
    assert.match(msg(bare[0]), /write `\.\/run\.sh`/);

    await lsp.change(file, lines('---', 'name: cmd', 'description: d', 'command: [./run.sh]', '---', 'x'));
    await lsp.diagnosticsFor(file, (x) => x.length === 0);
    await lsp.change(file, lines('---', 'name: cmd', 'description: d', 'command: [scripts/gone.js]', '---', 'x'));
    const gone = await lsp.diagnosticsFor(file, (x) => x.length > 0);
    assert.deepEqual(gone.map(where), ['3:10-3:25 command-not-found']);
    assert.match(msg(gone[0]), /`scripts\/gone\.js` does not exist \(paths are relative to the folder of the agent file/);
    await lsp.change(file, lines('---', 'name: cmd', 'description: d', 'command: node -e 1', '---', 'x'));
    await lsp.diagnosticsFor(file, (x) => x.length === 0);
  });
});

describe('language server: completion, hover, code lens, symbols', () => {
  let ws: Awaited<ReturnType<typeof tempWorkspace>>;
  let lsp: LspSession;
  let file: string;
  const text = lines('---', 'name: helper', 'description: Helps.', 'provider: ', 'ro', 'model: ', '---', 'You help.');
  before(async () => {
    ws = await tempWorkspace({});
    lsp = await LspSession.start([ws.dir], { knownModels: [{ id: 'gpt-4o', family: 'gpt-4o', name: 'GPT-4o', vendor: 'copilot' }, 'claude-sonnet-4'] });
    file = ws.path('helper.agent.md');
    await lsp.open(file, text);
  });
  after(async () => {
    lsp.dispose();
    await ws.remove();
  });

  it('completes keys not yet written, with snippets and documentation', async () => {
    const items = await lsp.completion(file, 4, 2);
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('role') && labels.includes('temperature') && labels.includes('command'));
    for (const present of ['name', 'description', 'provider', 'model']) assert.ok(!labels.includes(present), present);
    const role = items.find((i) => i.label === 'role')!;
    assert.equal(role.kind, CompletionItemKind.Property);
    assert.equal(role.insertTextFormat, InsertTextFormat.Snippet);
    assert.deepEqual(role.textEdit, {
      range: { start: { line: 4, character: 0 }, end: { line: 4, character: 2 } },
      newText: 'role: ${1|worker,coordinator,reviewer,planner,specialist|}',
    });
    assert.match((role.documentation as MarkupContent).value, /part the agent plays/);
    const timeout = items.find((i) => i.label === 'timeout')!;
    assert.equal(timeout.detail, 'number > 0 and ≤ 86400');
    assert.match((timeout.documentation as MarkupContent).value, /Default: `60`/);
  });

  it('completes provider and role values, and the models the editor knows', async () => {
    const providers = await lsp.completion(file, 3, 10);
    assert.deepEqual(
      providers.map((i) => i.label),
      ['editor', 'openai', 'command'],
    );
    assert.equal(providers[0].kind, CompletionItemKind.EnumMember);
    const models = await lsp.completion(file, 5, 7);
    assert.deepEqual(
      models.map((i) => [i.label, i.detail]),
      [
        ['gpt-4o', 'GPT-4o · copilot'],
        ['claude-sonnet-4', undefined],
      ],
    );
    const other = ws.path('roles.agent.md');
    await lsp.open(other, lines('---', 'role: co', '---'));
    const roles = await lsp.completion(other, 1, 8);
    assert.deepEqual(
      roles.map((i) => i.label),
      ['worker', 'coordinator', 'reviewer', 'planner', 'specialist'],
    );
    assert.deepEqual((roles[1].textEdit as { range: unknown }).range, { start: { line: 1, character: 6 }, end: { line: 1, character: 8 } });
    assert.deepEqual(await lsp.completion(file, 7, 3), [], 'nothing in the prompt');
  });

  it('completes booleans of the mapped formats', async () => {
    const vscodeAgent = ws.path('.github/agents/Plan.agent.md');
    await lsp.open(vscodeAgent, lines('---', 'user-invocable: ', '---', 'Plan.'));
    assert.deepEqual(
      (await lsp.completion(vscodeAgent, 1, 16)).map((i) => i.label),
      ['true', 'false'],
    );
  });

  it('offers a whole front matter in an empty file', async () => {
    const blank = ws.path('blank.agent.md');
    await lsp.open(blank, '');
    const [item] = await lsp.completion(blank, 0, 0);
    assert.equal(item.kind, CompletionItemKind.Snippet);
    assert.match((item.textEdit as { newText: string }).newText, /^---\nname: \$\{1:my-agent\}\ndescription:/);
  });

  it('shows the documentation of a key on hover, and of a provider value', async () => {
    const hover = await lsp.hover(file, 2, 4);
    assert.ok(hover);
    const value = (hover.contents as MarkupContent).value;
    assert.match(value, /^\*\*description\*\* \(required\): text, 1–1024 characters/);
    assert.match(value, /Calling models read it/);
    assert.deepEqual(hover.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 11 } });

    const other = ws.path('hover.agent.md');
    await lsp.open(other, lines('---', 'name: h', 'description: d', 'provider: command', 'command: [cat]', 'max_retries: 2', '---', 'x'));
    assert.match(((await lsp.hover(other, 3, 12))!.contents as MarkupContent).value, /^\*\*provider: command\*\* — A program/);
    assert.match(((await lsp.hover(other, 5, 2))!.contents as MarkupContent).value, /whole number 0–20 · Default: `2`/);
    assert.match(((await lsp.hover(other, 4, 1))!.contents as MarkupContent).value, /Used by provider `command`/);
    assert.equal(await lsp.hover(other, 7, 0), null);
  });

  it('puts Invoke and Show traces code lenses above the front matter', async () => {
    const valid = ws.path('valid.agent.md');
    await lsp.open(valid, lines('---', 'name: valid-one', 'description: d', '---', 'x'));
    const lenses = await lsp.codeLens(valid);
    assert.deepEqual(
      lenses?.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]),
      [
        [0, '▶ Invoke agent', 'aop.invokeAgent', ['valid-one']],
        [0, 'Show traces', 'aop.showTraces', ['valid-one']],
      ],
    );
    const broken = ws.path('broken.agent.md');
    await lsp.open(broken, lines('---', 'name: broken-one', '---', 'x'));
    assert.deepEqual(
      (await lsp.codeLens(broken))?.map((l) => l.command?.title),
      ['Show traces'],
      'an invalid agent cannot be invoked',
    );
  });

  it('lists the agent as a document symbol with its keys as children', async () => {
    const symbols = (await lsp.symbols(file)) as { name: string; range: unknown; children?: { name: string; detail?: string }[] }[];
    assert.equal(symbols.length, 1);
    assert.equal(symbols[0].name, 'helper');
    assert.deepEqual(symbols[0].range, { start: { line: 0, character: 0 }, end: { line: 6, character: 3 } });
    assert.deepEqual(
      symbols[0].children?.map((c) => [c.name, c.detail]),
      [
        ['name', 'helper'],
        ['description', 'Helps.'],
        ['provider', ''],
        ['model', ''],
      ],
    );
  });
});

describe('language server: duplicate names across the workspace', () => {
  const agent = (name: string) => lines('---', `name: ${name}`, 'description: d', '---', 'x');
  let ws: Awaited<ReturnType<typeof tempWorkspace>>;
  let lsp: LspSession;
  before(async () => {
    // By path, as in the catalog: .claude/… < .github/… < a/… < b/…
    ws = await tempWorkspace({
      '.claude/agents/twin.md': lines('---', 'description: d', '---', 'x'),
      '.github/agents/twin.agent.md': lines('---', 'description: d', '---', 'x'),
      'a/first.agent.md': agent('twin'),
      'b/second.agent.md': agent('twin'),
      'node_modules/pkg/twin.agent.md': agent('twin'),
    });
    lsp = await LspSession.start([ws.dir]);
  });
  after(async () => {
    lsp.dispose();
    await ws.remove();
  });

  it('reports duplicate-name on the name of every file but the first, from the initial scan', async () => {
    for (const rel of ['a/first.agent.md', 'b/second.agent.md']) {
      const d = await lsp.diagnosticsFor(ws.path(rel), (x) => x.length > 0);
      assert.deepEqual(d.map(where), ['1:6-1:10 duplicate-name'], rel);
      assert.match(msg(d[0]), /the name `twin` is already used in .*\.claude\/agents\/twin\.md; this agent is skipped/);
      assert.equal(d[0].severity, DiagnosticSeverity.Error);
    }
    const derived = await lsp.diagnosticsFor(ws.path('.github/agents/twin.agent.md'), (x) => x.length > 0);
    assert.deepEqual(derived.map(where), ['0:0-0:3 duplicate-name'], 'a name taken from the file name is reported on the opening line');
    assert.equal(lsp.diagnostics.get(uriOf(ws.path('.claude/agents/twin.md')))?.length ?? 0, 0);
    assert.equal(lsp.diagnostics.get(uriOf(ws.path('node_modules/pkg/twin.agent.md'))), undefined, 'node_modules is not scanned');
  });

  it('follows edits of open documents; closing goes back to the disk', async () => {
    const first = ws.path('a/first.agent.md');
    await lsp.open(first, agent('twin'));
    await lsp.change(first, agent('single'));
    await lsp.diagnosticsFor(first, (d) => d.length === 0);
    await lsp.close(first);
    await lsp.diagnosticsFor(first, (d) => d.length === 1);
  });

  it('follows created, changed and deleted files', async () => {
    const third = ws.path('c/third.agent.md');
    await mkdir(ws.path('c'));
    await writeFile(third, agent('twin'));
    await lsp.filesChanged([{ uri: uriOf(third), type: FileChangeType.Created }]);
    assert.deepEqual((await lsp.diagnosticsFor(third, (d) => d.length > 0)).map(where), ['1:6-1:10 duplicate-name']);

    await writeFile(third, agent('triplet'));
    await lsp.filesChanged([{ uri: uriOf(third), type: FileChangeType.Changed }]);
    await lsp.diagnosticsFor(third, (d) => d.length === 0);

    // The owner goes: the next file by path owns the name.
    for (const rel of ['.claude/agents/twin.md', '.github/agents/twin.agent.md']) {
      await rm(ws.path(rel));
      await lsp.filesChanged([{ uri: uriOf(ws.path(rel)), type: FileChangeType.Deleted }]);
    }
    await lsp.diagnosticsFor(ws.path('a/first.agent.md'), (d) => d.length === 0);
    const second = await lsp.diagnosticsFor(ws.path('b/second.agent.md'), (d) => d.length === 1 && /first\.agent\.md/.test(msg(d[0])));
    assert.deepEqual(second.map(where), ['1:6-1:10 duplicate-name']);
  });
});
