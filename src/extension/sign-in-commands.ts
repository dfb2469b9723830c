import * as vscode from 'vscode';
import type { EditorContext } from './editor-context';
import type { NodeView } from './explorer/nodes';

function serverOf(arg: unknown): { cluster: string; server: string } {
  const node = arg as NodeView | undefined;
  const cluster = node?.data?.cluster;
  const server = node?.data?.server;
  if (!cluster || !server) throw new Error('choose a server in the AOP explorer');
  return { cluster, server };
}

/** "Sign in" on a server node: the browser opens, the redirect comes back through the URI handler. */
export async function signIn(ext: EditorContext, arg?: unknown): Promise<void> {
  const { cluster, server } = serverOf(arg);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `AOP: signing in to ${server} — approve in your browser`, cancellable: false },
    () => ext.clusters.signIn(cluster, server, ext.signIn.approver()),
  );
  const h = ext.clusters.get(cluster)?.health().find((x) => x.id === server);
  if (h?.status === 'down') throw new Error(h.lastError ?? `${server} is still down`);
  void vscode.window.showInformationMessage(`AOP: signed in to ${server} (${h?.agentCount ?? 0} tools)`);
}

/** "Sign out": forgets the server's tokens (SecretStorage). */
export async function signOut(ext: EditorContext, arg?: unknown): Promise<void> {
  const { cluster, server } = serverOf(arg);
  await ext.clusters.signOut(cluster, server);
  void vscode.window.showInformationMessage(`AOP: signed out of ${server}`);
}
