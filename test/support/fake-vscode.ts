/**
 * A small stand-in for the `vscode` module, for unit tests of the extension's glue (command table,
 * explorer tree) in plain Node. It records what the glue asks of the editor; it runs nothing of
 * VS Code. The real editor is exercised by test/e2e. `installFakeVscode()` must run before the
 * first `require` of an extension module.
 */
import Module from 'node:module';

export interface FakeVscode {
  registered: Map<string, (...args: unknown[]) => unknown>;
  errors: string[];
  warnings: string[];
  infos: string[];
  workspace: { isTrusted: boolean; workspaceFolders: unknown[] | undefined };
  /** Webview panels created (`window.createWebviewPanel`), newest last. */
  panels: FakeWebviewPanel[];
  /** Untitled documents opened (`workspace.openTextDocument({ language, content })`). */
  documents: Array<{ language?: string; content?: string }>;
  /** What `window.showTextDocument` was asked to show. */
  shown: unknown[];
}

/** A webview panel: what the extension posts is recorded; `receive()` is the webview posting. */
export interface FakeWebviewPanel {
  viewType: string;
  title: string;
  visible: boolean;
  revealed: number;
  disposed: boolean;
  iconPath?: unknown;
  webview: {
    html: string;
    options: unknown;
    cspSource: string;
    posted: unknown[];
    asWebviewUri(u: unknown): unknown;
    postMessage(m: unknown): Promise<boolean>;
    onDidReceiveMessage: (listener: (m: unknown) => void) => { dispose(): void };
  };
  /** The webview posts `data` to the extension. */
  receive(data: unknown): void;
  onDidDispose: (listener: (e: void) => void) => { dispose(): void };
  onDidChangeViewState: (listener: (e: unknown) => void) => { dispose(): void };
  reveal(): void;
  dispose(): void;
}

function fakePanel(viewType: string, title: string, options: unknown): FakeWebviewPanel {
  const received = new EventEmitter<unknown>();
  const disposed = new EventEmitter<void>();
  const viewState = new EventEmitter<unknown>();
  const panel: FakeWebviewPanel = {
    viewType,
    title,
    visible: true,
    revealed: 0,
    disposed: false,
    webview: {
      html: '',
      options,
      cspSource: 'vscode-resource:',
      posted: [],
      asWebviewUri: (u) => u,
      postMessage: async (m) => (panel.webview.posted.push(m), true),
      onDidReceiveMessage: received.event,
    },
    receive: (data) => received.fire(data),
    onDidDispose: disposed.event,
    onDidChangeViewState: viewState.event,
    reveal: () => void panel.revealed++,
    dispose: () => {
      if (panel.disposed) return;
      panel.disposed = true;
      disposed.fire();
    },
  };
  return panel;
}

class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  event = (listener: (e: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  resourceUri?: unknown;
  constructor(
    readonly label: string,
    readonly collapsibleState: number,
  ) {}
}

class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}

class ThemeColor {
  constructor(readonly id: string) {}
}

class MarkdownString {
  constructor(readonly value = '') {}
}

class Disposable {
  constructor(private readonly fn: () => void = () => {}) {}
  dispose(): void {
    this.fn();
  }
}

const uri = (fsPath: string) => ({ fsPath, path: fsPath, scheme: 'file', toString: () => `file://${fsPath}` });

let installed: FakeVscode | undefined;

export function installFakeVscode(): FakeVscode {
  if (installed) return installed;
  const fake: FakeVscode = { registered: new Map(), errors: [], warnings: [], infos: [], workspace: { isTrusted: true, workspaceFolders: [] }, panels: [], documents: [], shown: [] };
  const api = {
    EventEmitter,
    TreeItem,
    ThemeIcon,
    ThemeColor,
    MarkdownString,
    Disposable,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    // the language-model message shapes, as plain records of what they were built with
    LanguageModelTextPart: class {
      constructor(readonly value: string) {}
    },
    LanguageModelToolCallPart: class {
      constructor(readonly callId: string, readonly name: string, readonly input: object) {}
    },
    LanguageModelToolResultPart: class {
      constructor(readonly callId: string, readonly content: unknown[]) {}
    },
    LanguageModelChatMessage: {
      User: (content: unknown) => ({ role: 'user', content }),
      Assistant: (content: unknown) => ({ role: 'assistant', content }),
    },
    Range: class {
      constructor(...args: number[]) {
        Object.assign(this, { args });
      }
    },
    Uri: { file: uri, parse: (s: string) => uri(s.replace(/^file:\/\//, '')), joinPath: (base: { fsPath: string }, ...parts: string[]) => uri([base.fsPath, ...parts].join('/')) },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        fake.registered.set(id, fn);
        return new Disposable(() => fake.registered.delete(id));
      },
      executeCommand: async () => undefined,
    },
    window: {
      showErrorMessage: async (m: string) => void fake.errors.push(m),
      showWarningMessage: async (m: string) => void fake.warnings.push(m),
      showInformationMessage: async (m: string) => void fake.infos.push(m),
      setStatusBarMessage: () => new Disposable(),
      showInputBox: async () => undefined,
      showQuickPick: async () => undefined,
      createWebviewPanel: (viewType: string, title: string, _column: unknown, options: unknown) => {
        const panel = fakePanel(viewType, title, options);
        fake.panels.push(panel);
        return panel;
      },
      registerWebviewPanelSerializer: () => new Disposable(),
      showTextDocument: async (doc: unknown) => void fake.shown.push(doc),
      showSaveDialog: async () => undefined,
    },
    workspace: {
      get isTrusted() {
        return fake.workspace.isTrusted;
      },
      get workspaceFolders() {
        return fake.workspace.workspaceFolders;
      },
      getConfiguration: () => ({ get: (_k: string, d: unknown) => d, update: async () => undefined }),
      onDidChangeConfiguration: () => new Disposable(),
      openTextDocument: async (doc: { language?: string; content?: string }) => (fake.documents.push(doc), doc),
    },
    env: { clipboard: { writeText: async () => undefined } },
    languages: {},
    lm: {},
  };
  const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? api : load.call(this, request, ...rest);
  };
  installed = fake;
  return fake;
}
