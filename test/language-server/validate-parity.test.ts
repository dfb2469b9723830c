import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  createProtocolConnection,
  DiagnosticSeverity,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
} from 'vscode-languageserver/node';
import type { AgentDiagnostic } from '../../src/core/agents';
import { tempWorkspace, uriOf } from './lsp-harness';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const SERVER = join(ROOT, 'dist/language-server.js');
const lines = (...l: string[]) => l.join('\n');
const head = (name: string) => ['---', `name: ${name}`, 'description: d', 'provider: openai', 'model: llama3.2'];

/** Every kind of finding the parser and the catalog make, in files both sides read the same way. */
const FILES: Record<string, string> = {
  'agents/schema.agent.md': lines('---', 'name: bad name!', 'description: d', 'provider: editr', 'temprature: 0.5', 'max_tokens: -3', '---', 'x'),
  'agents/yaml.agent.md': lines(...head('y'), 'model: again', '---', 'x'),
  'agents/missing.agent.md': lines('---', 'name: m', 'provider: openai', 'model: x', '---', 'x'),
  'agents/empty.agent.md': lines(...head('empty'), '---', ''),
  'agents/bare.agent.md': 'No front matter.\n',
  'agents/one.agent.md': lines(...head('twin'), '---', 'x'),
  'agents/two.agent.md': lines(...head('twin'), '---', 'x'),
  '.claude/agents/helper.md': lines('---', 'name: helper', 'description: d', 'colour: blue', 'provider: openai', 'model: x', '---', 'x'),
  'agents/fine.agent.md': lines(...head('fine'), '---', 'x'),
};

const SEVERITY: Record<number, string> = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
};

describe('aop validate and the language server report the same findings', () => {
  let ws: Awaited<ReturnType<typeof tempWorkspace>>;
  before(async () => {
    if (!existsSync(CLI) || !existsSync(SERVER)) {
      const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
    }
    ws = await tempWorkspace(FILES);
  });
  after(() => ws.remove());

  it('same files, codes, severities, lines and columns', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'validate', ws.dir, '--json'], { cwd: ROOT }).catch(
      (e: { stdout: string; code: number }) => {
        assert.equal(e.code, 1, 'errors exit 1');
        return e;
      },
    );
    const cli = (JSON.parse(stdout) as { findings: AgentDiagnostic[] }).findings.map(
      (d) => `${d.file.slice(ws.dir.length + 1)}:${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.severity} ${d.code}`,
    );

    // The bundled server in its own process over stdio, as an editor runs it.
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const received = new Map<string, Diagnostic[]>();
    let wake = () => {};
    client.onNotification(PublishDiagnosticsNotification.type, (p) => {
      received.set(p.uri, p.diagnostics);
      wake();
    });
    client.listen();
    await client.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [{ uri: uriOf(ws.dir), name: 'ws' }],
      capabilities: {},
    });
    await client.sendNotification(InitializedNotification.type, {});
    const uris = Object.keys(FILES).map((rel) => uriOf(ws.path(rel)));
    const deadline = Date.now() + 10_000;
    while (!uris.every((u) => received.has(u))) {
      assert.ok(Date.now() < deadline, `diagnostics for every file, got ${received.size}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
    const lsp: string[] = [];
    for (const rel of Object.keys(FILES)) {
      for (const d of received.get(uriOf(ws.path(rel)))!) {
        const { start, end } = d.range;
        lsp.push(`${rel}:${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1} ${SEVERITY[d.severity!]} ${String(d.code)}`);
      }
    }
    assert.deepEqual([...lsp].sort(), [...cli].sort());
    // Every kind is covered.
    assert.deepEqual(
      [...new Set(cli.map((f) => f.split(' ').pop()))].sort(),
      ['duplicate-name', 'empty-prompt', 'invalid-name', 'invalid-value', 'missing-key', 'no-front-matter', 'unknown-key', 'yaml-syntax'],
    );

    // Clean stop: shutdown, exit, the process ends with 0.
    await client.sendRequest(ShutdownRequest.type);
    await client.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0);
    client.dispose();
  });
});
