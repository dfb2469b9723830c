/**
 * The extension before its host is loaded. activate() registers everything from the entry bundle
 * and returns; the host (src/core: AopHost, the server, the MCP SDK) comes from its own bundle
 * right after (AgentExtension.hostLoaded). Until then nothing that needs it may fail or show
 * something false: the local server says `starting` and waits, the Agent Explorer waits (VS Code
 * shows its progress bar) instead of showing "no agents", commands wait, and a host that cannot be
 * loaded is an error in words. The host here is real (a server on 127.0.0.1, port 0, serving an
 * agent file from a temp folder); `vscode` is test/support/fake-vscode.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AopHost } from '../../src/core/host/aop-host';
import { installFakeVscode } from '../support/fake-vscode';

const fake = installFakeVscode();
/* eslint-disable @typescript-eslint/no-require-imports */
const { LocalServer } = require('../../src/extension/local-server') as typeof import('../../src/extension/local-server');
const { ClusterManager } = require('../../src/extension/clusters') as typeof import('../../src/extension/clusters');
const { AgentExplorer } = require('../../src/extension/explorer/tree') as typeof import('../../src/extension/explorer/tree');
const { registerCommands } = require('../../src/extension/commands') as typeof import('../../src/extension/commands');
/* eslint-enable @typescript-eslint/no-require-imports */

const log = { info() {}, warn() {}, error() {}, debug() {}, trace() {} } as never;
const secrets = { get: async () => undefined, store: async () => {}, delete: async () => {} } as never;
let workspace: string;

before(() => {
  workspace = mkdtempSync(join(tmpdir(), 'aop-host-loading-'));
  writeFileSync(
    join(workspace, 'echo.agent.md'),
    '---\nname: echo\ndescription: Says the task back.\nprovider: command\ncommand: [node, -e, "process.stdin.pipe(process.stdout)"]\n---\nEcho.\n',
  );
  fake.workspace.workspaceFolders = [{ uri: { fsPath: workspace }, name: 'ws', index: 0 }];
});
after(() => {
  fake.workspace.workspaceFolders = [];
  rmSync(workspace, { recursive: true, force: true });
});

/** A host whose bundle "loads" when the test says so. */
function pendingHost() {
  let load!: (host: AopHost) => void;
  let fail!: (err: Error) => void;
  const loaded = new Promise<AopHost>((resolve, reject) => ((load = resolve), (fail = reject)));
  return { loaded, load, fail };
}

/** Lets pending promise callbacks and I/O run once (the assertion is that something has NOT happened). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function tracked<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => (done = true));
  return { settled: () => done, promise };
}

test('before the host is loaded: the local server is starting and serves nothing; ensureStarted() waits for it, then serves the workspace', async () => {
  const pending = pendingHost();
  const local = new LocalServer(log, pending.loaded);
  const host = new AopHost({ roots: [] });
  try {
    assert.equal(local.state, 'starting');
    assert.equal(local.host, undefined);
    assert.equal(local.url, undefined);
    assert.deepEqual(local.diagnostics(), []);
    const start = tracked(local.ensureStarted());
    await turn();
    assert.equal(start.settled(), false, 'ensureStarted() must wait for the host');
    let changed = 0;
    local.on('changed', () => changed++);
    pending.load(host);
    const server = await start.promise;
    assert.ok(changed > 0, 'the explorer and status bar hear that the host arrived');
    assert.equal(local.host, host);
    assert.equal(local.state, 'running');
    assert.match(server?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.deepEqual(server?.agents().map((a) => a.name), ['echo']);
  } finally {
    local.dispose();
    await host.close();
  }
});

test('a host that cannot be loaded: ensureStarted() rejects with why; the explorer shows it in a row instead of waiting forever', async () => {
  const pending = pendingHost();
  const local = new LocalServer(log, pending.loaded);
  const clusters = new ClusterManager(secrets, log, pending.loaded);
  const tree = new AgentExplorer(local, clusters);
  try {
    const roots = tracked(tree.getChildren());
    pending.fail(new Error('Cannot find module ./extension-host.js'));
    const [row, ...rest] = await roots.promise;
    assert.equal(rest.length, 0);
    assert.equal(row.kind, 'message');
    assert.match(row.label, /AOP could not start: Cannot find module \.\/extension-host\.js/);
    await assert.rejects(local.ensureStarted(), /Cannot find module/);
    await assert.rejects(clusters.reload(), /Cannot find module/);
  } finally {
    tree.dispose();
    clusters.dispose();
    local.dispose();
  }
});

test('the Agent Explorer waits for the host (VS Code shows its progress bar), then lists the agents; clusters are empty until then', async () => {
  const pending = pendingHost();
  const local = new LocalServer(log, pending.loaded);
  const clusters = new ClusterManager(secrets, log, pending.loaded);
  const tree = new AgentExplorer(local, clusters);
  const host = new AopHost({ roots: [] });
  try {
    assert.deepEqual(clusters.all(), []);
    assert.equal(clusters.get('team'), undefined);
    const roots = tracked(tree.getChildren());
    await turn();
    assert.equal(roots.settled(), false, 'the root waits for the host rather than showing the welcome view');
    pending.load(host);
    await local.ensureStarted();
    const [workspaceRow] = await roots.promise;
    assert.equal(workspaceRow.label, 'Workspace');
    const agents = await tree.getChildren(workspaceRow);
    assert.deepEqual(agents.map((n) => n.label), ['echo']);
  } finally {
    tree.dispose();
    clusters.dispose();
    local.dispose();
    await host.close();
  }
});

test('a command run before the host is loaded waits for it; after a failed load it shows the error in words and runs nothing', async () => {
  const logged: string[] = [];
  for (const outcome of ['loaded', 'failed'] as const) {
    const pending = pendingHost();
    const ext = { log: { error: (m: string) => logged.push(m) }, hostLoaded: pending.loaded, local: { aop: undefined } };
    const disposables = registerCommands(ext as never);
    fake.errors.length = 0;
    try {
      // Copy Tool Name reaches the clipboard only if its handler runs
      let copied = 0;
      const clipboard = (require('vscode') as { env: { clipboard: { writeText: (t: string) => Promise<void> } } }).env.clipboard;
      const writeText = clipboard.writeText;
      clipboard.writeText = async () => void copied++;
      try {
        const run = tracked(Promise.resolve(fake.registered.get('aop.copyToolName')!('echo')));
        await turn();
        assert.equal(run.settled(), false, 'the command waits for the host');
        assert.equal(copied, 0);
        if (outcome === 'loaded') {
          pending.load(new AopHost({ roots: [] }));
          await run.promise;
          assert.equal(copied, 1, 'then it runs');
          assert.deepEqual(fake.errors, []);
        } else {
          pending.fail(new Error('the host bundle is missing'));
          assert.equal(await run.promise, undefined);
          assert.equal(copied, 0, 'nothing runs without the host');
          assert.deepEqual(fake.errors, ['AOP: the host bundle is missing']);
          assert.deepEqual(logged, ['aop.copyToolName: the host bundle is missing']);
        }
      } finally {
        clipboard.writeText = writeText;
      }
    } finally {
      for (const d of disposables) d.dispose();
    }
  }
});
