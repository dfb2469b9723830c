import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AgentCatalog } from '../../src/core/agents';
import { makeAgent } from '../support/agents';
import { agentFile, recordEvents, tempWorkspace } from './catalog-helpers';

describe('AgentCatalog.load', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let catalog: AgentCatalog;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempWorkspace(true));
    await mkdir(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    await writeFile(path.join(dir, 'node_modules', 'pkg', 'hidden.agent.md'), agentFile('hidden'));
    catalog = new AgentCatalog({ roots: [dir] });
  });
  afterEach(async () => {
    catalog.dispose();
    await cleanup();
  });

  it('loads good files of all three formats and skips bad, duplicate and excluded ones', async () => {
    const log = recordEvents(catalog);
    await catalog.load();
    assert.deepEqual(
      catalog.agents().map((a) => [a.name, a.source.kind, path.relative(dir, a.source.file)]),
      [
        ['Planner', 'vscode', path.join('.github', 'agents', 'Planner.agent.md')],
        ['reviewer', 'aop', 'reviewer.agent.md'],
        ['summarizer', 'aop', path.join('nested', 'summarizer.agent.md')],
        ['tester', 'claude', path.join('.claude', 'agents', 'tester.md')],
      ],
    );
    assert.equal(catalog.get('reviewer')?.description, 'Reviews a diff and lists concrete defects.');
    assert.equal(catalog.get('summarizer')?.provider, 'command');
    assert.equal(catalog.get('tester')?.model, 'haiku');
    assert.equal(catalog.get('reviewer')?.source.root, dir);
    assert.equal(catalog.get('hidden'), undefined);

    const diagnostics = catalog.diagnostics();
    assert.deepEqual([...diagnostics.keys()].map((f) => path.relative(dir, f)).sort(), [
      path.join('.github', 'agents', 'Planner.agent.md'),
      'broken.agent.md',
      path.join('zz', 'reviewer-copy.agent.md'),
    ]);
    // The VS Code file lists editor tools: one info finding, nothing worse.
    assert.deepEqual(diagnostics.get(path.join(dir, '.github', 'agents', 'Planner.agent.md'))!.map((d) => [d.severity, d.code]), [['info', 'editor-tool']]);
    const [broken] = diagnostics.get(path.join(dir, 'broken.agent.md'))!;
    assert.equal(broken.code, 'yaml-syntax');
    const [duplicate] = diagnostics.get(path.join(dir, 'zz', 'reviewer-copy.agent.md'))!;
    assert.deepEqual(
      { code: duplicate.code, severity: duplicate.severity, line: duplicate.line, column: duplicate.column, endColumn: duplicate.endColumn },
      { code: 'duplicate-name', severity: 'error', line: 2, column: 7, endColumn: 15 },
    );
    assert.match(duplicate.message, new RegExp(`already used in ${path.join(dir, 'reviewer.agent.md').replace(/[.\\]/g, '\\$&')}`));

    // Files are resolved in path order, so events come in path order too.
    assert.deepEqual(log, [
      'added:tester',
      'added:Planner',
      'added:summarizer',
      'added:reviewer',
      'diagnostics:Planner.agent.md:editor-tool',
      'diagnostics:broken.agent.md:yaml-syntax',
      'diagnostics:reviewer-copy.agent.md:duplicate-name',
      'updated',
    ]);
  });

  it('a second load with nothing changed emits only updated', async () => {
    await catalog.load();
    const log = recordEvents(catalog);
    await catalog.load();
    assert.deepEqual(log, ['updated']);
  });

  it('the duplicate takes over when the winner goes away', async () => {
    await catalog.load();
    const log = recordEvents(catalog);
    await rm(path.join(dir, 'reviewer.agent.md'));
    await catalog.reloadFile(path.join(dir, 'reviewer.agent.md'));
    assert.equal(catalog.get('reviewer')?.description, 'A second reviewer with the same name.');
    assert.deepEqual(log, ['changed:reviewer', 'diagnostics:reviewer-copy.agent.md:', 'updated']);
    assert.equal(catalog.diagnostics().has(path.join(dir, 'zz', 'reviewer-copy.agent.md')), false);
  });

  it('reloadFile picks up a fix; removeFile drops a file', async () => {
    await catalog.load();
    const broken = path.join(dir, 'broken.agent.md');
    await writeFile(broken, agentFile('fixed'));
    const log = recordEvents(catalog);
    await catalog.reloadFile(broken);
    assert.deepEqual(log, ['added:fixed', 'diagnostics:broken.agent.md:', 'updated']);
    catalog.removeFile(broken);
    assert.equal(catalog.get('fixed'), undefined);
    assert.deepEqual(log.slice(3), ['removed:fixed', 'updated']);
  });

  it('honours include and exclude globs and single-file roots', async () => {
    const only = new AgentCatalog({ roots: [path.join(dir, 'nested')], include: ['**/*.md'] });
    await only.load();
    assert.deepEqual(only.agents().map((a) => a.name), ['summarizer']);
    only.dispose();

    const noNested = new AgentCatalog({ roots: [dir], exclude: ['nested/**', '.claude/**'] });
    await noNested.load();
    assert.deepEqual(noNested.agents().map((a) => a.name), ['Planner', 'hidden', 'reviewer']);
    noNested.dispose();

    const file = new AgentCatalog({ roots: [path.join(dir, 'reviewer.agent.md')] });
    await file.load();
    assert.deepEqual(file.agents().map((a) => a.name), ['reviewer']);
    file.dispose();
  });

  it('passes defaultProvider to the parser', async () => {
    const cat = new AgentCatalog({ roots: [path.join(dir, 'reviewer.agent.md')], defaultProvider: 'command' });
    await cat.load();
    assert.deepEqual(cat.agents(), []);
    assert.equal([...cat.diagnostics().values()][0][0].code, 'missing-key');
    cat.dispose();
  });

  it('a missing root is not an error', async () => {
    const cat = new AgentCatalog({ roots: [path.join(dir, 'does-not-exist')] });
    await cat.load();
    assert.deepEqual(cat.agents(), []);
    cat.dispose();
  });
});

describe('AgentCatalog.load of a big folder (texts read on a worker thread)', () => {
  it('gives every agent and finding, with line numbers; the fixture agents among them are those a small load gives', async () => {
    const { dir, cleanup } = await tempWorkspace(true);
    try {
      // more files than WORKER_READ_THRESHOLD, across folders; a bad file deep in the list, a duplicate name
      for (let i = 0; i < 400; i++) {
        const folder = path.join(dir, 'many', `g${i % 7}`);
        await mkdir(folder, { recursive: true });
        await writeFile(path.join(folder, `a${i}.agent.md`), i === 333 ? '---\nname: [oops\n---\n' : agentFile(i === 390 ? 'a1' : `a${i}`));
      }
      const big = new AgentCatalog({ roots: [dir] });
      const bigLog = recordEvents(big);
      await big.load();
      // the same files one root at a time: each root below the worker's threshold is read here
      const small = new AgentCatalog({ roots: [dir], exclude: ['**/node_modules/**', 'many/**'] });
      await small.load();
      assert.equal(big.agents().length, 398 + small.agents().length, '400 files, one broken, one a duplicate');
      for (const agent of small.agents()) assert.deepEqual(big.get(agent.name), agent, agent.name);
      assert.equal(big.get('a7')?.description, 'Agent a7.');
      const findings = [...big.diagnostics()].map(([file, list]) => [path.relative(dir, file), list.map((d) => `${d.code}@${d.line}`)]);
      assert.deepEqual(
        findings.filter(([file]) => String(file).startsWith('many')),
        [
          [path.join('many', 'g4', 'a333.agent.md'), ['yaml-syntax@3']],
          [path.join('many', 'g5', 'a390.agent.md'), ['duplicate-name@2']],
        ],
      );
      assert.equal(bigLog.filter((e) => e.startsWith('added:')).length, big.agents().length);
      small.dispose();
      big.dispose();
    } finally {
      await cleanup();
    }
  });
});

describe('AgentCatalog programmatic agents', () => {
  it('set/delete emit events; a programmatic agent wins over a file of the same name', async () => {
    const { dir, cleanup } = await tempWorkspace();
    try {
      await writeFile(path.join(dir, 'a.agent.md'), agentFile('alpha'));
      const catalog = new AgentCatalog({ roots: [dir] });
      await catalog.load();
      const log = recordEvents(catalog);

      catalog.set(makeAgent({ name: 'beta' }));
      catalog.set(makeAgent({ name: 'alpha', description: 'from code' }));
      assert.equal(catalog.get('alpha')?.description, 'from code');
      const [dup] = catalog.diagnostics().get(path.join(dir, 'a.agent.md'))!;
      assert.equal(dup.code, 'duplicate-name');
      assert.match(dup.message, /by the host/);

      assert.equal(catalog.delete('alpha'), true);
      assert.equal(catalog.delete('nope'), false);
      assert.equal(catalog.get('alpha')?.description, 'Agent alpha.');
      assert.deepEqual(log, [
        'added:beta',
        'updated',
        'changed:alpha',
        'diagnostics:a.agent.md:duplicate-name',
        'updated',
        'changed:alpha',
        'diagnostics:a.agent.md:',
        'updated',
      ]);
      catalog.set(makeAgent({ name: 'beta' }));
      assert.equal(log.length, 8, 'setting an identical agent emits nothing');
      catalog.dispose();
    } finally {
      await cleanup();
    }
  });
});

describe('AgentCatalog.setAll', () => {
  it('adds many agents without files in one commit: one updated event, every agent added once', () => {
    const catalog = new AgentCatalog({ roots: [] });
    let updated = 0;
    let added = 0;
    catalog.on('updated', () => updated++);
    catalog.on('added', () => added++);
    catalog.setAll(Array.from({ length: 2000 }, (_, i) => makeAgent({ name: `agent-${i}` })));
    assert.equal(updated, 1, 'one commit for the whole set (one per agent is quadratic at 10,000)');
    assert.equal(added, 2000);
    assert.equal(catalog.agents().length, 2000);
    catalog.set(makeAgent({ name: 'agent-0', description: 'changed' }));
    assert.equal(updated, 2);
    assert.equal(catalog.get('agent-0')?.description, 'changed');
    catalog.dispose();
  });
});
