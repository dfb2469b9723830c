/**
 * Starts the agent-file language server (`dist/language-server.js`) in its own process over IPC.
 *
 * Use from `activate()` (the extension activates on agent files, e.g. `workspaceContains:**∕*.agent.md`
 * and `onLanguage:markdown`):
 *
 *   const client = startLanguageClient(context, output);          // lazy: the server process starts here
 *   // feed vscode.lm models to the `model` check and completion, now and whenever they change:
 *   const send = async () => sendKnownModels(client, await vscode.lm.selectChatModels());
 *   void send();
 *   context.subscriptions.push(vscode.lm.onDidChangeChatModels(send));
 *
 * `startLanguageClient` pushes a disposable that stops the client on deactivate (the process gets a
 * shutdown/exit and ends); `deactivate()` may also `return client.stop()` to wait for it.
 * The code lenses run `aop.invokeAgent` and `aop.showTraces` with the agent (tool) name as the only
 * argument: the extension registers both commands.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { WORKSPACE_AGENT_GLOBS } from '../core';
import { agentDocumentSelector } from './agent-file-selector';

export interface KnownModelLike {
  id: string;
  family?: string;
  name?: string;
  vendor?: string;
}

export function startLanguageClient(context: vscode.ExtensionContext, outputChannel?: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/language-server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watchers = WORKSPACE_AGENT_GLOBS.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
  context.subscriptions.push(...watchers);
  const clientOptions: LanguageClientOptions = {
    documentSelector: agentDocumentSelector(),
    synchronize: { fileEvents: watchers },
    initializationOptions: { defaultProvider: 'editor' },
    outputChannel,
  };
  const client = new LanguageClient('aop.agents', 'AOP Agent Files', serverOptions, clientOptions);
  void client.start().catch((e: unknown) => outputChannel?.error(`AOP language server did not start: ${String(e)}`));
  context.subscriptions.push({ dispose: () => void client.stop().catch(() => undefined) });
  return client;
}

/** Tells the server which models the editor has (the `model` warning and completion use them). */
export async function sendKnownModels(client: LanguageClient, models: readonly KnownModelLike[]): Promise<void> {
  const list = models.map(({ id, family, name, vendor }) => ({ id, family, name, vendor }));
  await client.sendNotification('aop/knownModels', { models: list });
}
