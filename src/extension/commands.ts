import * as vscode from 'vscode';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { EditorContext } from './editor-context';
import type { NodeView } from './explorer/nodes';
import { agentTemplate, validateAgentName } from './agent-template';
import { registryInputProblem } from './explorer/registry-node';
import { parseRegistryUrl, type CallStep } from '../core';
import { pickAgent } from './pick-agent';
import { exportTraces, showTraces } from './trace-panel-loader';
import { signIn, signOut } from './sign-in-commands';
import { runLocalTask } from './local-task';
import { PartialAnswer } from './progress-text';
import { TASK_COMMANDS } from './task-commands';

type Handler = (ext: EditorContext, ...args: unknown[]) => unknown;

/** Every command of the extension, as a table (id → handler). Handlers run once the host is loaded (`registerCommands`). */
export const COMMANDS: Record<string, Handler> = {
  'aop.invokeAgent': invokeAgent,
  'aop.createAgent': createAgent,
  'aop.addCluster': addCluster,
  'aop.removeCluster': removeCluster,
  'aop.setClusterToken': setClusterToken,
  'aop.refresh': refresh,
  'aop.restartServer': restartServer,
  'aop.copyServerUrl': copyServerUrl,
  'aop.openDefinition': openDefinition,
  'aop.copyToolName': copyToolName,
  'aop.showTraces': (ext, arg) => showTraces(ext, { agent: toolOf(arg).tool }),
  'aop.exportTraces': (ext, arg) => exportTraces(ext, toolOf(arg).tool),
  'aop.signIn': signIn,
  'aop.signOut': signOut,
  ...TASK_COMMANDS,
};

export function registerCommands(ext: EditorContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        // the host loads right after activation: a command run before waits for it
        await ext.hostLoaded;
        return await handler(ext, ...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ext.log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(`AOP: ${message}`);
        return undefined;
      }
    }),
  );
}

function toolOf(arg: unknown): { tool?: string; cluster?: string } {
  if (typeof arg === 'string') return { tool: arg };
  const node = arg as NodeView | undefined;
  return { tool: node?.data?.tool, cluster: node?.data?.cluster };
}

/** Invoke Agent…: pick, ask for the task, run with a cancellable progress, show the answer in the agent's result document. */
async function invokeAgent(ext: EditorContext, arg?: unknown, taskArg?: unknown): Promise<CallToolResult | undefined> {
  let { tool, cluster } = toolOf(arg);
  if (!tool) {
    const pick = await pickAgent(ext);
    if (!pick) return undefined;
    ({ tool, cluster } = pick);
  }
  const task =
    typeof taskArg === 'string'
      ? taskArg
      : await vscode.window.showInputBox({ title: `Invoke ${tool}`, prompt: 'The task for the agent', ignoreFocusOut: true });
  if (!task) return undefined;
  const started = Date.now();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Invoking ${tool}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      // the end of the partial answer as it streams in (progress-text.ts)
      const partial = new PartialAnswer();
      let shown: string | undefined;
      const report = () => {
        const message = partial.message();
        if (message !== undefined && message !== shown) progress.report({ message: (shown = message) });
      };
      if (cluster) {
        if (!ext.clusters.get(cluster)) throw new Error(`cluster ${cluster} is gone`);
        // Traced like a federated call: the remote server's spans are stitched under this one.
        return ext.host.invoke({ cluster, agent: tool! }, { task }, {
          signal: controller.signal,
          onProgress: (_n, message, meta) => (partial.remote({ message, _meta: meta }), report()),
        });
      }
      const server = await ext.local.ensureStarted();
      const entry = server?.tools.get(tool!);
      if (!server || !entry) throw new Error(`agent ${tool} is not served (is the workspace trusted?)`);
      // an MCP task of the local server: cancellable, its result kept for "Open Task Result…" after a reload
      const hooks = {
        progress: (_total: number, delta?: string) => (partial.add(delta), report()),
        step: (step: CallStep) => (partial.step(step), report()),
      };
      return (await runLocalTask(server, entry, { task }, controller.signal, hooks)).result;
    },
  );
  ext.explorer.refresh();
  const s = result.structuredContent as { result?: string; success?: boolean; error?: string | null } | undefined;
  const ok = s?.success ?? !result.isError;
  const answer = s ? (ok ? String(s.result ?? '') : `**Failed:** ${s.error ?? 'unknown error'}`) : contentText(result);
  const where = cluster ? `cluster ${cluster}` : 'workspace';
  // One read-only result document per agent, replaced by its next answer (never an unsaved buffer).
  await ext.results.show(
    { tool: tool!, cluster },
    `# ${tool}\n\n*${where} · ${((Date.now() - started) / 1000).toFixed(1)} s · ${ok ? 'success' : 'failed'}*\n\n**Task:** ${task}\n\n---\n\n${answer}\n`,
  );
  if (!ok) void vscode.window.showWarningMessage(`${tool} failed: ${s?.error ?? 'see the result'}`);
  return result;
}

function contentText(r: CallToolResult): string {
  return (r.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

/** Create Agent…: scaffolds a valid agent file and opens it. */
async function createAgent(ext: EditorContext): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('open a folder first: agents live in workspace files');
  const taken = ext.local.aop?.agents().map((a) => a.name) ?? [];
  const name = await vscode.window.showInputBox({
    title: 'Create Agent (1/3)',
    prompt: 'Agent name (its tool name)',
    placeHolder: 'code-reviewer',
    validateInput: (v) => validateAgentName(v, taken),
  });
  if (!name) return undefined;
  const description = await vscode.window.showInputBox({
    title: 'Create Agent (2/3)',
    prompt: 'What does it do? Calling models read this to choose it.',
    validateInput: (v) => (v.trim() ? undefined : 'A description is required.'),
  });
  if (!description) return undefined;
  const provider = await vscode.window.showQuickPick(
    [
      { label: 'editor', description: "VS Code's language models (e.g. Copilot)" },
      { label: 'openai', description: 'an OpenAI-compatible server (Ollama, vLLM, OpenAI…)' },
      { label: 'command', description: 'a CLI agent or script: task on stdin, answer on stdout' },
    ],
    { title: 'Create Agent (3/3)', placeHolder: 'Where does the model run?' },
  );
  if (!provider) return undefined;
  const uri = vscode.Uri.joinPath(folder.uri, 'agents', `${name}.agent.md`);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(agentTemplate({ name, description, provider: provider.label as 'editor' | 'openai' | 'command' })));
  await vscode.window.showTextDocument(uri);
  return uri;
}

async function addCluster(ext: EditorContext, nameArg?: unknown, urlsArg?: unknown): Promise<void> {
  const name =
    typeof nameArg === 'string'
      ? nameArg
      : await vscode.window.showInputBox({
          title: 'Add Cluster (1/2)',
          prompt: 'Cluster name (also the prefix of its tools in chat)',
          placeHolder: 'team',
          validateInput: (v) => (/^[a-zA-Z0-9_-]{1,32}$/.test(v) ? undefined : 'Use 1-32 letters, digits, "_" or "-".'),
        });
  if (!name) return;
  const fromRegistry =
    typeof urlsArg === 'string'
      ? /^etcds?:\/\//.test(urlsArg)
      : (
          await vscode.window.showQuickPick(
            [
              { label: '$(server) Server URLs', description: 'a fixed list of AOP/MCP servers', registry: false },
              { label: '$(database) From an etcd registry', description: 'servers that announce themselves in etcd (aop serve --registry)', registry: true },
            ],
            { title: 'Add Cluster (2/3)', placeHolder: 'Where are the servers of this cluster?' },
          )
        )?.registry;
  if (fromRegistry === undefined) return;
  if (fromRegistry) {
    const registry =
      typeof urlsArg === 'string'
        ? urlsArg
        : await vscode.window.showInputBox({
            title: 'Add Cluster (3/3)',
            prompt: 'etcd registry URL: etcd://host:port[,host:port…]/<prefix> (login from AOP_ETCD_USER / AOP_ETCD_PASSWORD)',
            placeHolder: 'etcd://127.0.0.1:2379/aop',
            validateInput: (v) => registryInputProblem(v.trim(), parseRegistryUrl),
          });
    if (!registry) return;
    await ext.clusters.addCluster({ name, registry: registry.trim() });
    void vscode.window.showInformationMessage(`Cluster ${name} added: it follows the servers registered in ${registry.trim()}. Use "AOP: Set Cluster Token…" if they need a token.`);
    return;
  }
  const urls =
    typeof urlsArg === 'string'
      ? urlsArg
      : await vscode.window.showInputBox({
          title: 'Add Cluster (3/3)',
          prompt: 'Server URLs, separated by commas or spaces',
          placeHolder: 'http://127.0.0.1:8000/mcp, https://agents.example.com/mcp',
          validateInput: (v) => {
            const list = v.split(/[\s,]+/).filter(Boolean);
            if (!list.length) return 'At least one URL.';
            const bad = list.find((u) => !/^https?:\/\/.+/.test(u));
            return bad ? `Not an http(s) URL: ${bad}` : undefined;
          },
        });
  if (!urls) return;
  await ext.clusters.addCluster({ name, servers: urls.split(/[\s,]+/).filter(Boolean) });
  void vscode.window.showInformationMessage(`Cluster ${name} added. Use "AOP: Set Cluster Token…" if its servers need a token.`);
}

async function pickCluster(ext: EditorContext, arg: unknown, title: string): Promise<string | undefined> {
  const fromNode = toolOf(arg).cluster ?? (typeof arg === 'string' ? arg : undefined);
  if (fromNode) return fromNode;
  const names = ext.clusters.all().map((c) => c.name);
  if (!names.length) {
    void vscode.window.showInformationMessage('No clusters yet: use "AOP: Add Cluster…".');
    return undefined;
  }
  return vscode.window.showQuickPick(names, { title });
}

async function removeCluster(ext: EditorContext, arg?: unknown): Promise<void> {
  const name = await pickCluster(ext, arg, 'Remove Cluster');
  if (name) await ext.clusters.removeCluster(name);
}

async function setClusterToken(ext: EditorContext, arg?: unknown, tokenArg?: unknown): Promise<void> {
  const name = await pickCluster(ext, arg, 'Set Cluster Token');
  if (!name) return;
  const token =
    typeof tokenArg === 'string'
      ? tokenArg
      : await vscode.window.showInputBox({ title: `Token for cluster ${name}`, prompt: 'Sent as "Authorization: Bearer <token>"; kept in SecretStorage', password: true, ignoreFocusOut: true });
  if (!token) return;
  await ext.clusters.setToken(name, token);
  await ext.reloadClusters();
}

async function refresh(ext: EditorContext): Promise<void> {
  await Promise.all(ext.clusters.all().map((c) => c.refresh().catch(() => undefined)));
  ext.explorer.refresh();
}

async function restartServer(ext: EditorContext): Promise<void> {
  await ext.local.restart();
  ext.mcp.serverChanged();
  await ext.reloadClusters();
  void vscode.window.showInformationMessage(`AOP local server restarted at ${ext.local.url ?? '(not running)'}`);
}

async function copyServerUrl(ext: EditorContext): Promise<string | undefined> {
  const server = await ext.local.ensureStarted();
  if (!server?.url) throw new Error('the local server is not running');
  await vscode.env.clipboard.writeText(server.url);
  void vscode.window.showInformationMessage(`Copied ${server.url} (clients need the window's token, which chat gets automatically)`);
  return server.url;
}

async function openDefinition(ext: EditorContext, arg?: unknown): Promise<void> {
  const node = arg as NodeView | undefined;
  const file = node?.data?.file ?? (typeof arg === 'string' ? ext.local.aop?.agent(arg)?.source.file : undefined);
  if (!file) throw new Error('no agent file to open');
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

async function copyToolName(_ext: EditorContext, arg?: unknown): Promise<void> {
  const { tool } = toolOf(arg);
  if (!tool) return;
  await vscode.env.clipboard.writeText(tool);
  void vscode.window.setStatusBarMessage(`Copied ${tool}`, 2000);
}
