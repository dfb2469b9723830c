import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  FileChangeType,
  NotificationType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PROVIDERS, type ProviderKind } from '../core';
import { agentCodeActions } from './features/code-actions';
import { agentCodeLenses } from './features/code-lens';
import { completeAgentFile } from './features/completion';
import { agentDiagnostics, type KnownModel } from './features/diagnostics';
import { hoverAgentFile } from './features/hover';
import { agentDocumentSymbols } from './features/symbols';
import { AgentWorkspaceIndex, type IndexedAgentFile } from './features/workspace-index';

/** Client → server: the models the editor offers (vscode.lm). Replaces the previous list. */
export interface KnownModelsParams {
  models: (string | KnownModel)[];
}
export const KnownModelsNotification = new NotificationType<KnownModelsParams>('aop/knownModels');

/** `initializationOptions` the client may send. */
export interface AgentServerInitOptions {
  /** Provider of agents that name none. Default `editor`. */
  defaultProvider?: ProviderKind;
  /** Agent globs relative to each workspace folder (default: the catalog's). */
  include?: string[];
  exclude?: string[];
  /** Models known at start-up (same as a first `aop/knownModels`). */
  knownModels?: (string | KnownModel)[];
}

export interface AgentLanguageServerOptions {
  /** Quiet time after an edit before diagnostics are computed. Default 150 ms. */
  debounceMs?: number;
  /** Program lookup for `command` agents (tests). */
  findProgram?: (program: string, cwd: string) => string | undefined;
}

/** Normalizes the models of `aop/knownModels`: plain ids or `{id, family, name, vendor}`. */
export function toKnownModels(list: unknown): KnownModel[] {
  if (!Array.isArray(list)) return [];
  const models: KnownModel[] = [];
  for (const m of list) {
    if (typeof m === 'string' && m) models.push({ id: m });
    else if (m && typeof m === 'object' && typeof (m as KnownModel).id === 'string') {
      const { id, family, name, vendor } = m as KnownModel;
      models.push({ id, family: str(family), name: str(name), vendor: str(vendor) });
    }
  }
  return models;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * Wires the agent-file features to an LSP connection and starts listening. The process entry point
 * (`server.ts`) passes a connection over IPC/stdio; tests pass one over in-memory streams.
 */
export function startAgentLanguageServer(connection: Connection, options: AgentLanguageServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const debounceMs = options.debounceMs ?? 150;
  let index = new AgentWorkspaceIndex({ roots: [] });
  let knownModels: KnownModel[] = [];
  let supportsFolderEvents = false;
  /** Last diagnostics sent per URI (JSON), to send only what changed and clear what is gone. */
  const published = new Map<string, string>();
  /** The URI the client uses for a path (VS Code spells drive letters its own way). */
  const uris = new Map<string, string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let queue: Promise<void> = Promise.resolve();

  const serially = (task: () => Promise<void> | void): Promise<void> => {
    queue = queue.then(task).catch((e: unknown) => {
      // After the client went away there is no one to tell (and logging would reject too).
      if (/Connection is (closed|disposed)/.test(String((e as Error)?.message))) return;
      connection.console.error(`aop language server: ${(e as Error)?.stack ?? String(e)}`);
    });
    return queue;
  };
  const uriOf = (file: string) => uris.get(file) ?? pathToFileURL(file).href;

  const diagnosticsOf = (entry: IndexedAgentFile, duplicates: ReturnType<AgentWorkspaceIndex['duplicates']>): Diagnostic[] =>
    agentDiagnostics({
      file: entry.file,
      text: entry.text,
      kind: entry.kind,
      result: entry.result,
      defaultProvider: index.defaultProvider,
      knownModels,
      duplicate: duplicates.get(entry.file),
      toolFindings: index.toolFindings(entry.file),
      findProgram: options.findProgram,
    });

  /** Recomputes every file's findings (a name or the model list affects other files) and sends the changes. */
  const publishAll = async (): Promise<void> => {
    const duplicates = index.duplicates();
    const current = new Map<string, Diagnostic[]>();
    for (const entry of index.all()) current.set(uriOf(entry.file), diagnosticsOf(entry, duplicates));
    for (const [uri, diagnostics] of current) {
      const json = JSON.stringify(diagnostics);
      if (published.get(uri) === json) continue;
      published.set(uri, json);
      await connection.sendDiagnostics({ uri, diagnostics });
    }
    for (const uri of [...published.keys()]) {
      if (current.has(uri)) continue;
      published.delete(uri);
      await connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  };

  /** The parse of an open document's current text (the index may lag behind by the debounce). */
  const parsedDocument = (uri: string) => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const text = doc.getText();
    const file = uriToPath(uri) ?? uri;
    const entry = index.get(file);
    const parsed = entry && entry.text === text ? entry : index.parse(file, text);
    return { text, kind: parsed.kind, result: parsed.result };
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as AgentServerInitOptions;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const roots = folders.map(uriToPath).filter((p): p is string => p !== undefined);
    folders.forEach((uri) => {
      const p = uriToPath(uri);
      if (p) uris.set(p, uri);
    });
    const defaultProvider = PROVIDERS.includes(init.defaultProvider as ProviderKind) ? init.defaultProvider : undefined;
    index = new AgentWorkspaceIndex({ roots, include: init.include, exclude: init.exclude, defaultProvider });
    knownModels = toKnownModels(init.knownModels);
    supportsFolderEvents = params.capabilities.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [':', ' '] },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        workspace: supportsFolderEvents ? { workspaceFolders: { supported: true, changeNotifications: true } } : undefined,
      },
      serverInfo: { name: 'aop-agents-language-server' },
    };
  });

  connection.onInitialized(() => {
    void serially(async () => {
      await index.scan();
      await publishAll();
    });
    if (supportsFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders(() => {
        void serially(async () => {
          const folders = (await connection.workspace.getWorkspaceFolders()) ?? [];
          const roots = folders.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
          index.setRoots(roots);
          await index.scan();
          await publishAll();
        });
      });
    }
  });

  documents.onDidChangeContent(({ document }) => {
    const uri = document.uri;
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        void serially(async () => {
          const doc = documents.get(uri);
          if (!doc) return;
          const file = uriToPath(uri);
          if (!file) return; // untitled and virtual documents: completion and hover only
          uris.set(file, uri);
          index.setOpenText(file, doc.getText());
          await publishAll();
        });
      }, debounceMs),
    );
  });

  documents.onDidClose(({ document }) => {
    clearTimeout(timers.get(document.uri));
    timers.delete(document.uri);
    void serially(async () => {
      const file = uriToPath(document.uri);
      if (file) await index.close(file);
      await publishAll();
    });
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    void serially(async () => {
      let changed = false;
      for (const change of changes) {
        const file = uriToPath(change.uri);
        if (!file) continue;
        uris.set(file, change.uri);
        if (change.type === FileChangeType.Deleted) changed = index.fileDeleted(file) || changed;
        else changed = (await index.fileChanged(file)) || changed;
      }
      if (changed) await publishAll();
    });
  });

  connection.onNotification(KnownModelsNotification, (params) => {
    void serially(async () => {
      knownModels = toKnownModels(Array.isArray(params) ? params : params?.models);
      await publishAll();
    });
  });

  connection.onCompletion(({ textDocument, position }) => {
    const doc = parsedDocument(textDocument.uri);
    return doc ? completeAgentFile(doc.text, position, { kind: doc.kind, knownModels }) : [];
  });

  connection.onHover(({ textDocument, position }) => {
    const doc = parsedDocument(textDocument.uri);
    return doc ? (hoverAgentFile(doc.text, position, doc.kind) ?? null) : null;
  });

  connection.onCodeLens(({ textDocument }) => {
    const doc = parsedDocument(textDocument.uri);
    return doc ? agentCodeLenses(doc.text, doc.result) : [];
  });

  connection.onCodeAction(({ textDocument, context }) => {
    const doc = documents.get(textDocument.uri);
    return doc ? agentCodeActions(doc, context.diagnostics) : [];
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const doc = parsedDocument(textDocument.uri);
    return doc ? agentDocumentSymbols(doc.text, doc.result) : [];
  });

  connection.onShutdown(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
  });

  documents.listen(connection);
  connection.listen();
}
