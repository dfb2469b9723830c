import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CompletionRequest,
  createConnection,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type FileEvent,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver/node';
import {
  KnownModelsNotification,
  startAgentLanguageServer,
  type AgentLanguageServerOptions,
  type AgentServerInitOptions,
  type KnownModelsParams,
} from '../../src/language-server/agent-language-server';

export const uriOf = (file: string) => pathToFileURL(file).href;

/** `line:char-line:char code` with 0-based LSP positions, for compact exact assertions. */
export function where(d: Diagnostic): string {
  const { start, end } = d.range;
  return `${start.line}:${start.character}-${end.line}:${end.character} ${String(d.code)}`;
}

/** The text of a diagnostic message (LSP 3.18 allows Markdown). */
export function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

export async function tempWorkspace(files: Record<string, string>): Promise<{ dir: string; path: (rel: string) => string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'aop-lsp-'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return { dir, path: (rel) => join(dir, rel), remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The real language server on one end of two in-memory pipes and an LSP client connection on the
 * other. The server's connection never gets `exit` (it would end the test process).
 */
export class LspSession {
  readonly client: ProtocolConnection;
  /** Latest diagnostics per URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly waiters = new Set<() => void>();
  private readonly versions = new Map<string, number>();
  private readonly streams: PassThrough[];
  initializeResult?: InitializeResult;

  private constructor(options: AgentLanguageServerOptions) {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    this.streams = [toServer, toClient];
    const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    startAgentLanguageServer(server, { debounceMs: 10, ...options });
    this.client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    this.client.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics }) => {
      this.diagnostics.set(uri, diagnostics);
      for (const wake of [...this.waiters]) wake();
    });
    this.client.onNotification('window/logMessage', () => undefined);
    this.client.listen();
  }

  static async start(folders: string[], init: AgentServerInitOptions = {}, options: AgentLanguageServerOptions = {}): Promise<LspSession> {
    const session = new LspSession(options);
    session.initializeResult = await session.client.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: null,
      workspaceFolders: folders.map((f) => ({ uri: uriOf(f), name: f })),
      capabilities: {},
      initializationOptions: init,
    });
    await session.client.sendNotification(InitializedNotification.type, {});
    return session;
  }

  async open(file: string, text: string): Promise<void> {
    this.versions.set(file, 1);
    await this.client.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uriOf(file), languageId: 'markdown', version: 1, text },
    });
  }

  async change(file: string, text: string): Promise<void> {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    await this.client.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uriOf(file), version },
      contentChanges: [{ text }],
    });
  }

  async close(file: string): Promise<void> {
    await this.client.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: uriOf(file) } });
  }

  async filesChanged(changes: FileEvent[]): Promise<void> {
    await this.client.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  async knownModels(params: KnownModelsParams): Promise<void> {
    await this.client.sendNotification(KnownModelsNotification, params);
  }

  /** Waits until the diagnostics of `file` satisfy `predicate`; returns them. */
  async diagnosticsFor(file: string, predicate: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 3000): Promise<Diagnostic[]> {
    const uri = uriOf(file);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = this.diagnostics.get(uri);
      if (current && predicate(current)) return current;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`diagnostics of ${file} not as expected within ${timeoutMs} ms; last: ${JSON.stringify(current?.map(where))}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  async completion(file: string, line: number, character: number): Promise<CompletionItem[]> {
    const r = await this.client.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(file) }, position: { line, character } });
    return Array.isArray(r) ? r : ((r as CompletionList | null)?.items ?? []);
  }

  hover(file: string, line: number, character: number) {
    return this.client.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(file) }, position: { line, character } });
  }

  codeLens(file: string) {
    return this.client.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(file) } });
  }

  symbols(file: string) {
    return this.client.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: uriOf(file) } });
  }

  dispose(): void {
    this.client.dispose();
    for (const s of this.streams) s.destroy();
  }
}
