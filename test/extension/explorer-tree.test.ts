import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatModel, ChatRequest, ChatResponse } from '../../src/core/models/types';
import { AopHost } from '../../src/core/host/aop-host';
import { makeAgent } from '../support/agents';
import { waitUntil } from '../support/aop';
import { installFakeVscode } from '../support/fake-vscode';

// The Agent Explorer's tree built from a real AopHost (in-process, no port) behind the small
// surface the tree reads; `vscode` is the recording stand-in of test/support/fake-vscode.ts.
const fake = installFakeVscode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AgentExplorer } = require('../../src/extension/explorer/tree') as typeof import('../../src/extension/explorer/tree');

/** Answers when released: the call stays in flight until then. */
class HeldModel implements ChatModel {
  readonly id = 'held';
  private release?: () => void;
  get waiting(): boolean {
    return this.release !== undefined;
  }
  complete(request: ChatRequest): Promise<ChatResponse> {
    return new Promise((resolve) => {
      this.release = () => resolve({ text: `done: ${request.task}` });
    });
  }
  finish(): void {
    this.release?.();
    this.release = undefined;
  }
}

function explorerOn(host: AopHost) {
  const local = {
    host,
    get state() {
      return host.state;
    },
    get error() {
      return host.error;
    },
    get aop() {
      return host.server;
    },
    get url() {
      return 'http://127.0.0.1:41234/mcp';
    },
    diagnostics: () => host.diagnostics(),
  };
  const clusters = { all: () => host.clusters(), get: (n: string) => host.cluster(n), problems: [] as { name: string; error: string }[] };
  return new AgentExplorer(local as never, clusters as never);
}

test('the tree follows the host: the Workspace row counts agents; a call in flight shows the agent busy with its task, then idle', async () => {
  const model = new HeldModel();
  const host = new AopHost({ roots: [], watch: false, listen: 'none', agents: [makeAgent({ name: 'alpha' }), makeAgent({ name: 'beta' })] }, { models: () => model });
  const tree = explorerOn(host);
  try {
    await host.start();
    const [workspace, ...rest] = await tree.getChildren();
    assert.equal(rest.length, 0, 'no Clusters row without clusters');
    assert.equal(workspace.label, 'Workspace');
    assert.match(workspace.description ?? '', /^2 agents · :41234$/);
    const item = tree.getTreeItem(workspace) as unknown as { label: string; collapsibleState: number };
    assert.equal(item.label, 'Workspace');

    const idle = await tree.getChildren(workspace);
    assert.deepEqual(idle.map((n) => n.label), ['alpha', 'beta']);
    assert.equal(idle[0].collapsible, 'none');

    const call = host.invoke('alpha', { task: 'slow' });
    await waitUntil(() => model.waiting, 10_000, 'the model to get the call');
    const busy = (await tree.getChildren(workspace)).find((n) => n.label === 'alpha')!;
    assert.match(busy.description ?? '', /busy|running/i);
    assert.equal(busy.collapsible, 'expanded', 'a running agent opens to show its calls');
    const tasks = await tree.getChildren(busy);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].label, 'running');

    model.finish();
    await call;
    const after = (await tree.getChildren(workspace)).find((n) => n.label === 'alpha')!;
    assert.doesNotMatch(after.description ?? '', /busy|running/i);
    assert.equal((await tree.getChildren(after)).length, 0);
  } finally {
    tree.dispose();
    await host.close();
  }
});

test('an untrusted workspace: the Workspace row says so and lists nothing to run', async () => {
  fake.workspace.isTrusted = false;
  const host = new AopHost({ roots: [], watch: false, listen: 'none' });
  const tree = explorerOn(host);
  try {
    const [workspace] = await tree.getChildren();
    assert.equal(workspace.description, 'not trusted');
    const [why] = await tree.getChildren(workspace);
    assert.match(String(why.label), /not trusted/);
  } finally {
    fake.workspace.isTrusted = true;
    tree.dispose();
    await host.close();
  }
});
