/**
 * Loads a built extension bundle in plain Node with a small fake `vscode` module (just the APIs
 * activate() touches; anything else is an inert stub) and times require() and activate().
 * Usage: node bench/lib/activate-probe.cjs BUNDLE WORKSPACE_DIR STORAGE_DIR [EXTENSION_ROOT]
 * Prints one JSON line: {requireMs, activateMs, totalMs, cpuMs (the process's CPU time up to the end
 * of activate(), all threads), hostLoadedMs and servedMs (from the end of activate() to the host's
 * bundle loaded — dist/extension-host.js, required after activation — and to the local server
 * running with the workspace's agents), cpuServedMs (the process's CPU time up to then), agents
 * (served), errors, lazyLoaded (bundles meant to load
 * on first use that activation or the start loaded; the host's bundle if activation loaded it)}.
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');
const t0 = performance.now();
const [bundle, workspace, storage] = process.argv.slice(2);
const errors = [];

function stub(name) {
  const target = function () {};
  const cache = new Map();
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a thenable
      if (prop === Symbol.toPrimitive) return () => `[stub ${name}]`;
      if (prop === Symbol.iterator) return function* () {};
      if (typeof prop === 'symbol') return undefined;
      if (!cache.has(prop)) cache.set(prop, stub(`${name}.${prop}`));
      return cache.get(prop);
    },
    set(_t, prop, value) {
      cache.set(prop, value);
      return true;
    },
    apply() {
      return stub(`${name}()`);
    },
    construct(_t, _args, newTarget) {
      return Reflect.construct(function () {}, [], newTarget);
    },
  });
}
const disposable = () => ({ dispose() {} });
const event = () => () => disposable();
class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  static from(...ds) {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose() {
    this.fn?.();
  }
}
class EventEmitter {
  listeners = new Set();
  event = (l) => (this.listeners.add(l), { dispose: () => this.listeners.delete(l) });
  fire(v) {
    for (const l of this.listeners) l(v);
  }
  dispose() {
    this.listeners.clear();
  }
}
const uri = (p) => ({ scheme: 'file', fsPath: p, path: p, toString: () => `file://${p}`, with: () => uri(p) });
const Uri = { file: uri, joinPath: (u, ...parts) => uri(path.join(u.fsPath, ...parts)), parse: (s) => uri(s.replace(/^file:\/\//, '')) };
const log = {};
for (const k of ['trace', 'debug', 'info', 'warn', 'error', 'appendLine', 'append', 'show', 'hide', 'clear', 'dispose', 'replace']) {
  log[k] = k === 'error' ? (m) => errors.push(String(m)) : () => {};
}
log.onDidChangeLogLevel = event();
log.logLevel = 2;

const overrides = {
  Disposable,
  EventEmitter,
  Uri,
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  workspace: {
    isTrusted: true,
    workspaceFolders: [{ uri: uri(workspace), name: path.basename(workspace), index: 0 }],
    getConfiguration: () => ({ get: (_k, d) => d, has: () => false, inspect: () => undefined, update: async () => {} }),
    onDidChangeConfiguration: event(),
    onDidGrantWorkspaceTrust: event(),
    onDidChangeWorkspaceFolders: event(),
    onDidOpenTextDocument: event(),
    createFileSystemWatcher: () => ({ onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() {} }),
    findFiles: async () => [],
    // no document open at start-up (a stub here would be truthy and start the language client,
    // which the extension loads only when the first agent file opens)
    textDocuments: [],
  },
  window: {
    createOutputChannel: () => log,
    createTreeView: () => ({ message: undefined, dispose() {}, onDidChangeVisibility: event(), onDidChangeSelection: event(), reveal: async () => {} }),
    createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
    registerWebviewPanelSerializer: () => disposable(),
    showErrorMessage: async (m) => (errors.push(String(m)), undefined),
    showInformationMessage: async () => undefined,
    showWarningMessage: async () => undefined,
    onDidChangeActiveTextEditor: event(),
  },
  commands: { registerCommand: () => disposable(), executeCommand: async () => undefined },
  lm: {
    registerMcpServerDefinitionProvider: () => disposable(),
    selectChatModels: async () => [],
    onDidChangeChatModels: event(),
  },
  env: { clipboard: { writeText: async () => {} }, appName: 'bench', language: 'en', machineId: 'bench', sessionId: 'bench', uriScheme: 'vscode' },
  version: '1.101.0',
};
// Namespaces answer what they do not define with inert stubs (events, watchers, registrations).
for (const ns of ['workspace', 'window', 'commands', 'lm', 'env']) {
  const o = overrides[ns];
  overrides[ns] = new Proxy(o, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol') return t[prop];
      t[prop] = stub(`vscode.${ns}.${prop}`);
      return t[prop];
    },
  });
}
// Every class, enum and namespace of the real API exists (bundled code copies the module's own keys
// with __importStar and extends some classes at load time); only `overrides` behave.
function genericClass(name) {
  const C = class {
    constructor(...args) {
      this.args = args;
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  return new Proxy(C, {
    get(t, prop, recv) {
      if (prop in t || typeof prop === 'symbol') return Reflect.get(t, prop, recv);
      t[prop] = stub(`vscode.${name}.${prop}`);
      return t[prop];
    },
  });
}
try {
  const dts = require('node:fs').readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8');
  for (const m of dts.matchAll(/^\t?export (class|enum|namespace) (\w+)/gm)) {
    if (m[2] in overrides) continue;
    overrides[m[2]] = m[1] === 'class' ? genericClass(m[2]) : stub(`vscode.${m[2]}`);
  }
} catch {
  // without @types/vscode: the Proxy fallback below still answers
}
const fakeVscode = new Proxy(overrides, {
  get(t, prop) {
    if (prop in t) return t[prop];
    if (typeof prop === 'symbol' || prop === '__esModule') return undefined;
    t[prop] = stub(`vscode.${prop}`);
    return t[prop];
  },
});

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fakeVscode };

const root = process.argv[5] ? path.resolve(process.argv[5]) : path.resolve(path.dirname(bundle), '..');
const context = {
  subscriptions: [],
  storageUri: uri(storage),
  globalStorageUri: uri(storage),
  logUri: uri(storage),
  extensionUri: uri(root),
  extensionPath: root,
  extensionMode: 1,
  asAbsolutePath: (p) => path.join(root, p),
  secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: event() },
  globalState: { get: (_k, d) => d, update: async () => {}, keys: () => [], setKeysForSync() {} },
  workspaceState: { get: (_k, d) => d, update: async () => {}, keys: () => [] },
  environmentVariableCollection: stub('envCollection'),
  extension: { id: 'aop-agents.aop-agents', packageJSON: {} },
};

(async () => {
  const before = performance.now();
  const ext = require(path.resolve(bundle));
  const loaded = performance.now();
  const api = await ext.activate(context);
  const done = performance.now();
  const cpu = process.cpuUsage();
  // the host's bundle loads after activation (esbuild.mjs): in the cache already is a regression
  const bundlesNow = () => Object.keys(require.cache).map((k) => path.basename(k));
  const hostDuringActivation = bundlesNow().includes('extension-host.js');
  if (typeof api?.hostLoaded?.then === 'function') await api.hostLoaded;
  // a bundle from before the split (A/B against an old build, bench/lib/ab-extension.ts): its host is in the entry
  else if (process.env.AOP_PROBE_SINGLE_BUNDLE !== '1') throw new Error('activate() returned no hostLoaded promise');
  const hostLoaded = performance.now();
  // the extension's own start: the local server running with the workspace's catalog
  const local = api.local;
  await new Promise((resolve, reject) => {
    const check = () => {
      if (local.state === 'running') resolve();
      else if (local.state === 'failed') reject(new Error(`local server failed: ${local.error}`));
      else return;
      local.off('changed', check);
    };
    local.on('changed', check);
    check();
  });
  const served = performance.now();
  const cpuServed = process.cpuUsage();
  const agents = local.aop?.agents().length ?? -1;
  // bundles that should load only on first use (esbuild.mjs): loaded by activation or the start is a regression
  const lazyLoaded = bundlesNow().filter((f) => /^(a2a-sdk|etcd3|trace-panel|language-client)\.js$/.test(f));
  if (hostDuringActivation) lazyLoaded.push('extension-host.js (before activate() returned)');
  process.stdout.write(
    JSON.stringify({
      processStartToProbeMs: before - t0,
      requireMs: loaded - before,
      activateMs: done - loaded,
      totalMs: done - before,
      cpuMs: (cpu.user + cpu.system) / 1000,
      hostLoadedMs: hostLoaded - done,
      servedMs: served - done,
      cpuServedMs: (cpuServed.user + cpuServed.system) / 1000,
      agents,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      errors,
      lazyLoaded,
    }) + '\n',
  );
  await ext.deactivate?.().catch(() => {});
  process.exit(0);
})().catch((e) => {
  process.stdout.write(JSON.stringify({ error: String(e && e.stack || e), errors }) + '\n');
  process.exit(1);
});
