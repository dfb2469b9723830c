/**
 * End-to-end harness: a real VS Code (code-server = VS Code server + web workbench) driven by
 * playwright-core and Debian's Chromium. Tools come from scripts/e2e-setup.sh, installed into
 * ${AOP_E2E_TOOLS:-~/.cache/aop-e2e}.
 *
 * Typical use:
 *   const vs = await startVSCode({ extensions: [{ folder: 'test/e2e/fixtures/hello-ext' }] });
 *   try { await vs.runCommand('Hello E2E: Say Hi'); await vs.waitForNotification('Hello'); }
 *   finally { await vs.stop(); }
 *
 * Playwright types: the project does not (yet) depend on playwright-core, so Page/Browser are
 * typed loosely here. Once playwright-core is a devDependency, replace the two aliases below with
 * `import type { Browser, Page } from 'playwright-core'`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { publishReadmeScreenshot } from './doc-screenshots';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Page = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Browser = any;

// __dirname is wrong when this file is loaded through tsx's ESM path from an .mts script; fall back to cwd.
const HERE = fs.existsSync(path.join(__dirname, 'harness.ts')) ? __dirname : path.join(process.cwd(), 'test', 'e2e');
export const SCREENSHOT_DIR = path.join(HERE, 'screenshots');

export const TOOLS = process.env.AOP_E2E_TOOLS || path.join(os.homedir(), '.cache', 'aop-e2e');
export const NODE24 = path.join(TOOLS, 'node24', 'node_modules', '.bin', 'node');
export const CODE_SERVER_ENTRY = path.join(TOOLS, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.AOP_E2E_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/**
 * Every e2e time limit is a budget for a loaded machine, never a pause: tests wait for states (DOM,
 * logs, events) and only fail when the state never comes. The limits in the tests are written for
 * an idle machine and multiplied by AOP_E2E_TIMEOUT_SCALE (default 4: a 2-core machine with a load
 * of ~15 still passes; a passing run takes no longer for it).
 */
export const TIMEOUT_SCALE = Math.max(1, Number(process.env.AOP_E2E_TIMEOUT_SCALE) || 4);
export function e2eTimeout(ms: number): number {
  return Math.round(ms * TIMEOUT_SCALE);
}

/**
 * Why an e2e test must skip, or false to run it. A skip happens only when asked for: AOP_E2E_SKIP=1
 * (scripts/run-tests.mjs passes the reason in AOP_E2E_SKIP_REASON and reports every skipped test
 * loudly), or when the file is run outside the e2e runner (AOP_E2E unset). Missing tools are NOT
 * a reason to skip: the test runs and fails with "e2e tools missing" (startCodeServer).
 */
export function e2eSkipReason(): string | false {
  if (process.env.AOP_E2E_SKIP === '1') return process.env.AOP_E2E_SKIP_REASON || 'AOP_E2E_SKIP=1';
  if (process.env.AOP_E2E !== '1') return 'e2e tests run with AOP_E2E=1 (node scripts/run-tests.mjs --e2e sets it)';
  return false;
}

/** True when scripts/e2e-setup.sh has been run (code-server, Node 24 and Chromium present). */
export function toolsAvailable(): boolean {
  return fs.existsSync(NODE24) && fs.existsSync(CODE_SERVER_ENTRY) && fs.existsSync(CHROMIUM);
}

// ---------------------------------------------------------------------------------------------
// Small utilities

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, limitMs: number, everyMs = 250): Promise<T> {
  const timeoutMs = e2eTimeout(limitMs);
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) { lastErr = e; }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

let playwrightCache: Promise<{ chromium: { launch(o: object): Promise<Browser> } }> | undefined;
/** playwright-core from the project's node_modules, else from $TOOLS/pw (scripts/e2e-setup.sh). */
export function loadPlaywright(): Promise<{ chromium: { launch(o: object): Promise<Browser> } }> {
  playwrightCache ??= (async () => {
    try {
      const name = 'playwright-core';
      return await import(name);
    } catch {
      const req = createRequire(path.join(TOOLS, 'pw', 'package.json'));
      return req('playwright-core');
    }
  })();
  return playwrightCache;
}

// ---------------------------------------------------------------------------------------------
// Preparing the user-data-dir / extensions-dir before start

/** Reads `publisher.name-version` from an extension folder's package.json. */
export function extensionId(folder: string): { id: string; dirName: string; publisher: string; name: string; version: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`.toLowerCase();
  return { id, dirName: `${id}-${pkg.version}`, publisher: pkg.publisher, name: pkg.name, version: pkg.version };
}

/**
 * Installs an unpacked extension by copying (or symlinking) the folder to
 * `<extensionsDir>/<publisher>.<name>-<version>`. code-server finds it by scanning the folder; no
 * extensions.json is needed (it writes one itself on first start).
 */
export async function installExtensionFolder(extensionsDir: string, folder: string, opts: { symlink?: boolean } = {}): Promise<string> {
  const { dirName } = extensionId(folder);
  const dest = path.join(extensionsDir, dirName);
  await fsp.mkdir(extensionsDir, { recursive: true });
  await fsp.rm(dest, { recursive: true, force: true });
  if (opts.symlink) await fsp.symlink(path.resolve(folder), dest, 'dir');
  else await fsp.cp(path.resolve(folder), dest, { recursive: true, dereference: true });
  // Once an extensions.json exists (e.g. written by --install-extension of a .vsix), code-server
  // loads only the extensions listed there: register the folder too, or it is silently ignored.
  const manifest = path.join(extensionsDir, 'extensions.json');
  if (fs.existsSync(manifest)) {
    const { id, version } = extensionId(folder);
    const entries = (JSON.parse(await fsp.readFile(manifest, 'utf8')) as Array<{ identifier: { id: string } }>)
      .filter((e) => e.identifier.id.toLowerCase() !== id);
    entries.push({
      identifier: { id },
      version,
      location: { $mid: 1, fsPath: dest, external: `file://${dest}`, path: dest, scheme: 'file' },
      relativeLocation: dirName,
      metadata: { installedTimestamp: Date.now(), source: 'resource' },
    } as { identifier: { id: string } });
    await fsp.writeFile(manifest, JSON.stringify(entries));
  }
  return dest;
}

/** Installs a .vsix with `code-server --install-extension` (the server must not be running on those dirs). */
export function installVsix(dirs: { userDataDir: string; extensionsDir: string }, vsix: string): string {
  return execFileSync(NODE24, [
    CODE_SERVER_ENTRY, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir,
    '--install-extension', path.resolve(vsix), '--force',
  ], { encoding: 'utf8', env: codeServerEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: e2eTimeout(120_000) });
}

/** Writes `<userDataDir>/User/settings.json` (merged over what is there). */
export async function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): Promise<void> {
  const file = path.join(userDataDir, 'User', 'settings.json');
  await fsp.mkdir(path.dirname(file), { recursive: true });
  let existing: Record<string, unknown> = {};
  try { existing = JSON.parse(await fsp.readFile(file, 'utf8')); } catch { /* none yet */ }
  await fsp.writeFile(file, JSON.stringify({ ...existing, ...settings }, null, 2));
}

// ---------------------------------------------------------------------------------------------
// code-server

export interface CodeServerOptions {
  /** Root dir; default a fresh mkdtemp, deleted by stop() unless AOP_E2E_KEEP=1. Holds user-data/, extensions/, workspace/. */
  rootDir?: string;
  /** Unpacked extension folders and/or .vsix files to install before start. */
  extensions?: Array<{ folder: string; symlink?: boolean } | { vsix: string }>;
  /** User settings written to User/settings.json before start. */
  settings?: Record<string, unknown>;
  /** Keep workspace trust enabled (default false: starts with --disable-workspace-trust). */
  workspaceTrust?: boolean;
  /** Extra environment for code-server and so the extension host (e.g. result-file paths). */
  env?: Record<string, string>;
  /** Extra code-server CLI args. */
  args?: string[];
}

export interface CodeServer {
  port: number;
  baseUrl: string;
  rootDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own stdout/stderr so far. */
  output(): string;
  /** Where VS Code writes its logs: <userDataDir>/logs/<timestamp>/ (exthost: remoteexthost.log). */
  logsDir(): string | undefined;
  stop(): Promise<void>;
}

function codeServerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  env.PATH = `${path.dirname(NODE24)}${path.delimiter}${env.PATH ?? ''}`;
  // Do not leak settings of a surrounding VS Code / code-server / test runner into the server.
  for (const k of Object.keys(env)) {
    if (/^(VSCODE_|ELECTRON_RUN_AS_NODE|CODE_SERVER_|NODE_OPTIONS|NODE_TEST_CONTEXT)/.test(k) && !(k in extra)) delete env[k];
  }
  delete env.PASSWORD; delete env.HASHED_PASSWORD;
  // No marketplace traffic (code-server defaults to open-vsx.org): point the gallery at a closed loopback port.
  env.EXTENSIONS_GALLERY ??= JSON.stringify({
    serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item',
    resourceUrlTemplate: 'http://127.0.0.1:9/{publisher}/{name}/{version}/{path}',
  });
  return env;
}

/** Kills a whole process group: SIGTERM, then SIGKILL after graceMs. */
async function killGroup(proc: ChildProcess, graceMs = 3000): Promise<void> {
  if (proc.pid === undefined) return;
  const pid = proc.pid;
  const alive = () => { try { process.kill(-pid, 0); return true; } catch { return false; } };
  if (!alive()) return;
  try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(100);
  if (alive()) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
  while (alive() && Date.now() < deadline + 2000) await sleep(50);
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  if (!toolsAvailable()) throw new Error(`e2e tools missing in ${TOOLS}: run scripts/e2e-setup.sh`);
  const ownRoot = !opts.rootDir;
  const rootDir = opts.rootDir ?? await fsp.mkdtemp(path.join(os.tmpdir(), 'aop-e2e-'));
  const userDataDir = path.join(rootDir, 'user-data');
  const extensionsDir = path.join(rootDir, 'extensions');
  await fsp.mkdir(userDataDir, { recursive: true });
  await fsp.mkdir(extensionsDir, { recursive: true });

  await writeUserSettings(userDataDir, {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'chat.disableAIFeatures': false,
    ...opts.settings,
  });
  for (const ext of opts.extensions ?? []) {
    if ('folder' in ext) await installExtensionFolder(extensionsDir, ext.folder, { symlink: ext.symlink });
    else installVsix({ userDataDir, extensionsDir }, ext.vsix);
  }

  const port = await freePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--config', path.join(rootDir, 'code-server-config.yaml'),
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    ...(opts.args ?? []),
  ];
  let out = '';
  const proc = spawn(NODE24, args, {
    cwd: rootDir, env: codeServerEnv(opts.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killGroup(proc);
    await Promise.race([exited, sleep(1000)]);
    // Remove the temp dir we created, unless AOP_E2E_KEEP=1 (to inspect logs after a failure).
    if (ownRoot && process.env.AOP_E2E_KEEP !== '1') await fsp.rm(rootDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await waitFor('code-server /healthz', async () => {
      if (proc.exitCode !== null) throw new Error(`code-server exited ${proc.exitCode}:\n${out}`);
      const res = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    }, 60_000, 200);
  } catch (e) { await stop(); throw e; }

  return {
    port, baseUrl, rootDir, userDataDir, extensionsDir,
    output: () => out,
    logsDir: () => latestLogsDir(userDataDir),
    stop,
  };
}

/** <userDataDir>/logs/<newest timestamp dir>. */
export function latestLogsDir(userDataDir: string): string | undefined {
  const root = path.join(userDataDir, 'logs');
  if (!fs.existsSync(root)) return undefined;
  const dirs = fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory()).sort();
  return dirs.length ? path.join(root, dirs[dirs.length - 1]) : undefined;
}

/** Recursively lists files under the current logs dir (relative paths). */
export function listLogFiles(userDataDir: string): string[] {
  const dir = latestLogsDir(userDataDir);
  if (!dir) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/**
 * The remote extension host's log (`<logs>/remoteexthost.log`) plus, with `all`, every
 * `exthost*` / output-channel log below the logs dir. console.log of an extension does NOT go
 * there: it is forwarded to the browser console (see VSCodeSession.consoleMessages).
 */
export function readExtHostLog(userDataDir: string, all = false): string {
  const dir = latestLogsDir(userDataDir);
  if (!dir) return '';
  const files = listLogFiles(userDataDir).filter((f) => all ? /exthost|output_/i.test(f) : /remoteexthost\.log$/.test(f));
  return files.map((f) => `--- ${f}\n${fs.readFileSync(path.join(dir, f), 'utf8')}`).join('\n');
}

/**
 * The log of an extension's LogOutputChannel (`vscode.window.createOutputChannel(name, { log: true })`):
 * `<logs>/exthost1/<publisher.name>/<name>.log`. This is the reliable way to see an extension's own
 * logging; plain console.log of a remote extension host is not written anywhere by default.
 */
export function readExtensionLog(userDataDir: string, extensionId: string): string {
  const dir = latestLogsDir(userDataDir);
  if (!dir) return '';
  const id = extensionId.toLowerCase();
  return listLogFiles(userDataDir)
    .filter((f) => f.split(path.sep).some((part) => part.toLowerCase() === id))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
}

/** Waits until remoteexthost.log says the extension was activated (ExtensionService#_doActivateExtension). */
export async function waitForActivation(userDataDir: string, extensionId: string, timeoutMs = 60_000): Promise<void> {
  const needle = `_doActivateExtension ${extensionId},`.toLowerCase();
  await waitFor(`activation of ${extensionId}`, () => readExtHostLog(userDataDir).toLowerCase().includes(needle) || undefined, timeoutMs, 300);
}

// ---------------------------------------------------------------------------------------------
// Browser + workbench

export interface OpenOptions {
  /** Folder to open (absolute path on this machine). Default: a fresh `<root>/workspace`. */
  folder?: string;
  /** Extra `payload` entries for the workbench URL, e.g. [['extensionDevelopmentPath', uri]]. */
  payload?: Array<[string, string]>;
  /** Wait for `.monaco-workbench` (default true). */
  waitForWorkbench?: boolean;
  viewport?: { width: number; height: number };
  /** Page colour scheme (affects only 'window.autoDetectColorScheme'). */
  colorScheme?: 'light' | 'dark';
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export function workbenchUrl(server: CodeServer, folder: string, payload?: Array<[string, string]>): string {
  const q = new URLSearchParams({ folder });
  if (payload?.length) q.set('payload', JSON.stringify(payload));
  return `${server.baseUrl}/?${q.toString()}`;
}

/** `vscode-remote://127.0.0.1:PORT/abs/path` – how the web workbench names a server-side path. */
export function remoteUri(server: CodeServer, absPath: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/')}`;
}

export interface VSCodeSession {
  server: CodeServer;
  browser: Browser;
  page: Page;
  workspace: string;
  /** Browser console lines so far (includes extension-host console.log, forwarded by VS Code). */
  consoleMessages: string[];
  /** F1, type the command's title, pick the exact match, Enter. */
  runCommand(title: string, opts?: { timeoutMs?: number }): Promise<void>;
  /** Waits for a notification toast (or notification center entry) containing text. */
  waitForNotification(text: string | RegExp, opts?: { timeoutMs?: number }): Promise<string>;
  /** Saves test/e2e/screenshots/NAME.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /**
   * Shows the AOP view container in the side bar. Idempotent: clicking the active container's
   * icon would hide the side bar, so it clicks only when the container is not already shown.
   */
  showAgentExplorer(opts?: { timeoutMs?: number }): Promise<void>;
  /** Waits for a browser console line matching re (e.g. extension-host console.log). */
  waitForConsole(re: RegExp, timeoutMs?: number): Promise<string>;
  readExtHostLog(all?: boolean): string;
  readExtensionLog(extensionId: string): string;
  waitForActivation(extensionId: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function openWorkbench(server: CodeServer, browser: Browser, opts: OpenOptions = {}): Promise<VSCodeSession> {
  const workspace = opts.folder ?? path.join(server.rootDir, 'workspace');
  await fsp.mkdir(workspace, { recursive: true });
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    colorScheme: opts.colorScheme,
  });
  const page = await context.newPage();
  const consoleMessages: string[] = [];
  page.on('console', (m: { type(): string; text(): string }) => consoleMessages.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e: Error) => consoleMessages.push(`[pageerror] ${e.message}`));
  // The first load compiles the whole workbench: on a loaded 2-core machine it takes well over 30 s.
  await page.goto(workbenchUrl(server, workspace, opts.payload), { waitUntil: 'domcontentloaded', timeout: e2eTimeout(60_000) });
  if (opts.waitForWorkbench !== false) await page.waitForSelector('.monaco-workbench', { timeout: e2eTimeout(60_000) });

  const session: VSCodeSession = {
    server, browser, page, workspace, consoleMessages,
    runCommand: (title, o) => runCommand(page, title, o),
    waitForNotification: (text, o) => waitForNotification(page, text, o),
    screenshot: (name) => screenshot(page, name),
    showAgentExplorer: (o) => showAgentExplorer(page, o),
    waitForConsole: (re, timeoutMs = 30_000) =>
      waitFor(`console ${re}`, () => consoleMessages.find((l) => re.test(l)), timeoutMs),
    readExtHostLog: (all) => readExtHostLog(server.userDataDir, all),
    readExtensionLog: (id) => readExtensionLog(server.userDataDir, id),
    waitForActivation: (id, ms) => waitForActivation(server.userDataDir, id, ms),
    stop: async () => {
      await context.close().catch(() => undefined);
    },
  };
  return session;
}

export async function showAgentExplorer(page: Page, opts: { timeoutMs?: number } = {}): Promise<void> {
  const item = page.locator('.activitybar .action-item', { has: page.locator('[aria-label^="AOP"]') }).first();
  await item.waitFor({ state: 'visible', timeout: e2eTimeout(opts.timeoutMs ?? 90_000) });
  const shown = async () => /\bchecked\b/.test((await item.getAttribute('class')) ?? '') && (await page.locator('.part.sidebar').isVisible());
  if (!(await shown())) await item.click();
  await waitFor('the AOP view container shown', async () => ((await shown()) ? true : undefined), e2eTimeout(15_000));
}

/** Opens the command palette with F1, types the title and runs the exactly matching entry. */
export async function runCommand(page: Page, title: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeout = e2eTimeout(opts.timeoutMs ?? 15_000);
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  // Open the palette and type the title; if the entry does not show (the palette lost focus and
  // closed, or opened in another mode under load), close it and type again: three tries in all.
  for (let tries = 1; ; tries++) {
    // Close whatever quick input is still open, then open the palette.
    await page.keyboard.press('Escape').catch(() => undefined);
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.keyboard.press('F1');
      try { await input.waitFor({ state: 'visible', timeout: e2eTimeout(3000) }); break; } catch {
        if (attempt === 2) throw new Error('command palette did not open');
        await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, force: true }).catch(() => undefined);
      }
    }
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: tries < 3 ? Math.ceil(timeout / 3) : timeout });
      break;
    } catch (err) {
      if (tries === 3) throw err;
    }
  }
  await row.click();
  // The palette is gone once it is hidden or once the command put up its own quick input (whose
  // value is not the `>title` we typed). Waiting for "hidden" alone cost a whole timeout for every
  // command that opens a quick pick.
  await page.waitForFunction(() => {
    const el = document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input');
    return !el || el.offsetParent === null || !el.value.startsWith('>');
  }, undefined, { timeout }).catch(() => undefined);
}

/**
 * Answers a save dialog of the web workbench (VS Code's "simple" file dialog: a quick input holding
 * the default path) with an absolute path. Waits until the dialog shows its default (`defaultName`,
 * e.g. the proposed file name) so the typed path is not overwritten by it.
 */
export async function answerSaveDialog(page: Page, file: string, defaultName: string | RegExp, opts: { timeoutMs?: number } = {}): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: e2eTimeout(opts.timeoutMs ?? 15_000) });
  const wanted = typeof defaultName === 'string' ? defaultName : defaultName.source;
  await page.waitForFunction(
    ([want, isRe]: [string, boolean]) => {
      const el = document.querySelector<HTMLInputElement>('.quick-input-widget .quick-input-box input');
      return !!el && (isRe ? new RegExp(want).test(el.value) : el.value.includes(want));
    },
    [wanted, typeof defaultName !== 'string'] as const,
    { timeout: e2eTimeout(opts.timeoutMs ?? 15_000) },
  );
  await input.fill(file);
  await page.keyboard.press('Enter');
}

export async function waitForNotification(page: Page, text: string | RegExp, opts: { timeoutMs?: number } = {}): Promise<string> {
  const loc = page.locator('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message', { hasText: text }).first();
  await loc.waitFor({ state: 'visible', timeout: e2eTimeout(opts.timeoutMs ?? 15_000) });
  return (await loc.textContent()) ?? '';
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await fsp.mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file });
  await publishReadmeScreenshot(file, name); // the README's own screenshots are refreshed by every run
  return file;
}

// ---------------------------------------------------------------------------------------------
// All-in-one

export interface StartOptions extends CodeServerOptions, OpenOptions {}

export interface VSCode extends VSCodeSession {
  /** Stops page, browser and code-server (whole process groups); safe to call twice. */
  stop(): Promise<void>;
}

/** Starts code-server + Chromium and opens the workbench on a folder. Always call stop(). */
export async function startVSCode(opts: StartOptions = {}): Promise<VSCode> {
  const server = await startCodeServer(opts);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const session = await openWorkbench(server, browser, opts);
    let stopped = false;
    return {
      ...session,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await session.stop();
        await browser.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Tests inside the extension host (like @vscode/test-electron's extensionTestsPath)

export interface ExtensionTestsOptions extends CodeServerOptions {
  /** Folder of the extension under development (loaded without installing it). */
  extensionDevelopmentPath: string;
  /** JS module exporting `run(): Promise<void>` (e.g. a mocha runner); rejecting = failure. */
  extensionTestsPath: string;
  /** Workspace folder to open; default a fresh `<root>/workspace`. */
  folder?: string;
  timeoutMs?: number;
  /** Screenshot name taken just before stopping (optional). */
  screenshotName?: string;
}

export interface ExtensionTestsResult {
  exitCode: number;
  /** Browser console (includes the extension host's console.log in development mode). */
  console: string[];
  extHostLog: string;
}

/**
 * Runs extensionTestsPath inside the (remote, Node) extension host of code-server, the way VS
 * Code's own browser integration tests do: workbench URL `payload` with vscode-remote:// URIs, and
 * `window.codeAutomationExit(code)` called by the workbench when the tests finish.
 */
export async function runExtensionTests(opts: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  // A built workbench honours the URL `payload` only with VS Code's --enable-smoke-test-driver,
  // which code-server passes through with --vscode-option.
  const server = await startCodeServer({ ...opts, args: ['--vscode-option', 'enable-smoke-test-driver', ...(opts.args ?? [])] });
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m: { type(): string; text(): string }) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    let onExit!: (code: number) => void;
    const exited = new Promise<number>((r) => { onExit = r; });
    await page.exposeFunction('codeAutomationExit', (code: number) => { onExit(code); });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      consoleLines.push(`[automation:${type}] ${Array.isArray(args) ? args.join(' ') : String(args)}`);
    });
    const folder = opts.folder ?? path.join(server.rootDir, 'workspace');
    await fsp.mkdir(folder, { recursive: true });
    await page.goto(workbenchUrl(server, folder, [
      ['extensionDevelopmentPath', remoteUri(server, opts.extensionDevelopmentPath)],
      ['extensionTestsPath', remoteUri(server, opts.extensionTestsPath)],
      ['skipWelcome', 'true'],
    ]), { waitUntil: 'domcontentloaded', timeout: e2eTimeout(60_000) });
    const timeoutMs = e2eTimeout(opts.timeoutMs ?? 120_000);
    // A cleared timer: a pending 4-minute sleep would keep the test process alive after the tests.
    let timer: NodeJS.Timeout | undefined;
    const exitCode = await Promise.race([exited, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), timeoutMs); })]);
    clearTimeout(timer);
    if (exitCode === undefined) {
      await screenshot(page, `${opts.screenshotName ?? 'extension-tests'}-timeout`).catch(() => undefined);
      throw new Error(`extension tests did not finish in ${timeoutMs} ms; console tail:\n${consoleLines.slice(-20).join('\n')}`);
    }
    if (opts.screenshotName) await screenshot(page, opts.screenshotName).catch(() => undefined);
    await context.close().catch(() => undefined);
    return { exitCode, console: consoleLines, extHostLog: readExtHostLog(server.userDataDir, true) };
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
}
