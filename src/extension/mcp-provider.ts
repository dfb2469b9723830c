import * as vscode from 'vscode';
import type { LocalServer } from './local-server';

export const MCP_PROVIDER_ID = 'aop.localServer';

/**
 * Hands the local AOP server to the editor's chat as an MCP server. `provideMcpServerDefinitions`
 * answers at once (no server start); `resolveMcpServerDefinition` starts the server and fills in
 * its URI and the Authorization header. New agents reach chat through tools/list_changed, so the
 * definition's version changes only when the server itself does (restart: new port).
 */
export class AopMcpProvider implements vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeMcpServerDefinitions = this.changed.event;
  private generation = 1;

  constructor(private readonly local: LocalServer) {}

  /** The server restarted (new port/token): chat must resolve the definition again. */
  serverChanged(): void {
    this.generation++;
    this.changed.fire();
  }

  provideMcpServerDefinitions(): vscode.McpHttpServerDefinition[] {
    if (!vscode.workspace.isTrusted) return [];
    // Placeholder URI until resolved; resolve fills in the real port.
    return [new vscode.McpHttpServerDefinition('AOP Agents', vscode.Uri.parse('http://127.0.0.1/mcp'), {}, String(this.generation))];
  }

  async resolveMcpServerDefinition(
    definition: vscode.McpHttpServerDefinition,
  ): Promise<vscode.McpHttpServerDefinition | undefined> {
    const server = await this.local.ensureStarted();
    if (!server?.url) return undefined;
    definition.uri = vscode.Uri.parse(server.url);
    definition.headers = { ...definition.headers, Authorization: `Bearer ${this.local.token}` };
    return definition;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
