/**
 * The Traces webview's components in a real browser (headless Chromium, the bundled
 * dist/webview.js under the panel's own HTML and CSP): the list, the waterfall, the details and
 * the "Open result" action of a task's span. The host is a scripted stand-in inside the page that
 * answers each request as the panel does (the panel's real answers are tested in
 * test/extension/trace-messages.test.ts); every message the webview posts is recorded.
 *
 * `npm run build` first (dist/webview.js). Runs with the e2e suite (it needs Chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, e2eSkipReason, e2eTimeout, loadPlaywright, screenshot, type Browser, type Page } from './harness';
import { traceHtml } from '../../src/extension/trace-html';
import { PROTOCOL_VERSION, type HostMessageOf } from '../../src/shared/trace-protocol';
import { invocationList, traceId } from '../webview/fixtures';
import { THEMES, themeCss } from '../webview/themes';

const skip = e2eSkipReason();
const DIST = resolve(__dirname, '../../dist');
const KEPT = 'task-kept-1';
const PLAIN = 'task-plain-2';

/** The stand-in host: answers like the panel, records what the webview posts. */
const HOST = String.raw`
(() => {
  const F = window.__FIXTURE__;
  const W = (window.__host = { posted: [], errors: [] });
  document.addEventListener('securitypolicyviolation', (e) => W.errors.push('CSP ' + e.violatedDirective));
  let state;
  const send = (m) => window.dispatchEvent(new MessageEvent('message', { data: m }));
  window.acquireVsCodeApi = () => ({
    postMessage(m) { W.posted.push(m); setTimeout(() => reply(m), 0); },
    getState: () => state,
    setState: (s) => { state = s; },
  });
  const matches = (t, f) => (!f.agent || t.agent === f.agent) && (!f.text || [t.agent, t.task].some((x) => x && x.toLowerCase().includes(f.text.toLowerCase())));
  function reply(m) {
    const id = m.requestId;
    switch (m.type) {
      case 'ready': return send(Object.assign({}, F.init, { requestId: id }));
      case 'query': return send({ type: 'traces', requestId: id, filter: m.filter, agents: F.init.agents, traces: F.init.traces.filter((t) => matches(t, m.filter)) });
      case 'selectTrace': {
        const d = F.details[m.traceId];
        return send(d ? { type: 'traceDetail', requestId: id, trace: d.trace, spans: d.spans } : { type: 'error', requestId: id, message: 'trace gone' });
      }
      case 'taskInfo':
        return send({ type: 'taskInfo', requestId: id, taskId: m.taskId, status: 'completed', kept: m.taskId === '${KEPT}' });
      case 'openTaskResult':
        return send({ type: 'ack', requestId: id, message: 'opened ' + m.taskId });
      default:
        return send({ type: 'ack', requestId: id });
    }
  }
})();
`;

function fixture() {
  const { summaries, details } = invocationList();
  const withTask = (k: number, taskId: string) => {
    const invoke = details[traceId(k)].spans.find((s) => s.name.startsWith('aop.invoke'))!;
    invoke.attributes['aop.task_id'] = taskId;
    return invoke.spanId;
  };
  const keptSpan = withTask(10, KEPT);
  withTask(11, PLAIN);
  const init: HostMessageOf<'init'> = {
    type: 'init',
    protocol: PROTOCOL_VERSION,
    now: Date.UTC(2026, 10, 25, 12, 30, 0),
    filter: {},
    traces: summaries,
    agents: [...new Set(summaries.map((s) => s.agent!))].sort(),
    detail: details[traceId(10)],
    selectedSpanId: keptSpan,
  };
  return { init, details, summaries };
}

let browser: Browser | undefined;
let dir: string;
let url: string;
const F = fixture();

before(async () => {
  if (skip) return;
  if (!existsSync(join(DIST, 'webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'aop-traces-webview-'));
  const file = join(dir, 'traces.html');
  const dist = (f: string) => pathToFileURL(join(DIST, f)).href;
  writeFileSync(
    file,
    traceHtml({
      cspSource: 'file:',
      scriptUri: dist('webview.js'),
      styleUri: dist('webview.css'),
      codiconUri: dist('codicons/codicon.css'),
      bodyClass: THEMES.dark.bodyClass,
      inlineStyle: themeCss('dark'),
      preludeScripts: [`window.__FIXTURE__ = ${JSON.stringify(F)};`, HOST],
    }),
  );
  url = pathToFileURL(file).href;
  const { chromium } = await loadPlaywright();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.locator('[data-testid=trace-row]').first().waitFor({ timeout: e2eTimeout(15_000) });
  return { page, problems };
}

const posted = (page: Page): Promise<Array<Record<string, unknown>>> => page.evaluate(() => (window as unknown as { __host: { posted: [] } }).__host.posted);

test('list, waterfall and details render the restored selection; a task span with a kept result opens it', { skip, timeout: e2eTimeout(60_000) }, async () => {
  const { page, problems } = await open();
  try {
    const waterfall = page.locator('[data-testid=waterfall]');
    await page.waitForFunction(() => document.querySelector('[data-testid=waterfall]')?.getAttribute('data-trace-id') !== null, undefined, { timeout: e2eTimeout(10_000) });
    assert.equal(await waterfall.getAttribute('data-trace-id'), traceId(10));
    assert.equal(Number(await waterfall.getAttribute('data-span-count')), F.details[traceId(10)].spans.length);
    assert.ok((await page.locator('[data-testid=trace-row]').count()) >= 10);
    await page.locator('[data-testid=trace-head]', { hasText: F.details[traceId(10)].trace.agent! }).waitFor();

    // the restored span is an agent call of a task whose result is kept
    const task = page.locator('[data-testid=detail-task]');
    await page.locator('[data-testid=detail-task][data-can-open=true]').waitFor({ timeout: e2eTimeout(10_000) });
    assert.equal(await task.getAttribute('data-task-id'), KEPT);
    await page.locator('[data-testid=action-open-result]').click();
    await page.locator('.toast', { hasText: `opened ${KEPT}` }).waitFor({ timeout: e2eTimeout(10_000) });
    await screenshot(page, 'traces-open-result');
    const sent = await posted(page);
    assert.deepEqual(
      sent.filter((m) => m.type === 'openTaskResult').map((m) => m.taskId),
      [KEPT],
    );
    assert.ok(sent.some((m) => m.type === 'taskInfo' && m.taskId === KEPT));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('selecting another trace and its task span: no result kept, no Open result; spans without a task have no task block', { skip, timeout: e2eTimeout(60_000) }, async () => {
  const { page, problems } = await open();
  try {
    await page.locator(`[data-testid=trace-row][data-trace-id="${traceId(11)}"]`).click();
    await page.waitForFunction((id: string) => document.querySelector('[data-testid=waterfall]')?.getAttribute('data-trace-id') === id, traceId(11), { timeout: e2eTimeout(10_000) });
    // the first span (the invoke) is selected when the trace loads
    await page.locator('[data-testid=detail-task][data-can-open=false]', { hasText: 'no result kept' }).waitFor({ timeout: e2eTimeout(10_000) });
    assert.equal(await page.locator('[data-testid=detail-task]').getAttribute('data-task-id'), PLAIN);
    assert.equal(await page.locator('[data-testid=action-open-result]').isVisible(), false);
    // a child span (validate, attempt, model) carries no task id
    await page.locator('[data-testid=span-row]').nth(1).click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=detail-task]'), undefined, { timeout: e2eTimeout(10_000) });
    // keyboard: ArrowDown in the waterfall moves the selection on
    const before = await page.locator('[data-testid=span-row].selected').getAttribute('data-span-id');
    await page.locator('.wf-scroll').press('ArrowDown');
    await page.waitForFunction((id: string | null) => document.querySelector('[data-testid=span-row].selected')?.getAttribute('data-span-id') !== id, before, { timeout: e2eTimeout(10_000) });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('typing in the filter asks the host and the list shows its answer; the list keys select traces', { skip, timeout: e2eTimeout(60_000) }, async () => {
  const { page, problems } = await open();
  try {
    await page.locator('[data-testid=filter-text] input').fill('translate');
    await page.waitForFunction(() => document.querySelector('.count')?.textContent === '2 traces', undefined, { timeout: e2eTimeout(10_000) });
    const queries = (await posted(page)).filter((m) => m.type === 'query');
    assert.deepEqual(queries.at(-1)?.filter, { text: 'translate' });
    const rows = page.locator('[data-testid=trace-row]:not([hidden])');
    assert.equal(await rows.count(), 2);
    await page.locator('[data-testid=trace-list]').press('Home');
    const first = await rows.first().getAttribute('data-trace-id');
    await page.waitForFunction((id: string | null) => document.querySelector('[data-testid=waterfall]')?.getAttribute('data-trace-id') === id, first, { timeout: e2eTimeout(10_000) });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});
