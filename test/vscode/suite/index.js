// In-editor tests of the extension: the extension host require()s this file and awaits run().
// The same file runs under @vscode/test-electron (npm run test:vscode, desktop VS Code) and in a
// real VS Code from code-server (test/e2e/in-editor.test.ts). Needs a workspace with the example
// agents (agents/text-stats.agent.md …). Writes results to $AOP_VSCODE_TESTS_RESULT when set.
const vscode = require('vscode');
const assert = require('assert');
const fs = require('fs');
const http = require('http');

function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: url.endsWith('/mcp') ? 'POST' : 'GET', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(url.endsWith('/mcp') ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }) : undefined);
  });
}

async function run() {
  const results = [];
  const check = async (name, fn) => {
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`ok - ${name}`);
    } catch (e) {
      results.push({ name, ok: false, error: String((e && e.stack) || e) });
      console.log(`not ok - ${name}: ${e}`);
    }
  };
  const ext = vscode.extensions.getExtension('aop-agents.aop-agents');
  await check('the extension is installed and activates', async () => {
    assert.ok(ext, 'aop-agents.aop-agents not found');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });
  await check('every contributed command is registered', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed = ext.packageJSON.contributes.commands.map((c) => c.command);
    const missing = contributed.filter((c) => !all.has(c));
    assert.deepEqual(missing, []);
  });
  let url;
  await check('the local server runs on 127.0.0.1 with the workspace agents', async () => {
    url = await vscode.commands.executeCommand('aop.copyServerUrl');
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const health = await get(url.replace(/\/mcp$/, '/healthz'));
    assert.equal(health.status, 200);
    assert.ok(JSON.parse(health.body).agents >= 3, health.body);
  });
  await check('the local server refuses calls without the window token', async () => {
    const r = await get(url);
    assert.equal(r.status, 401);
  });
  await check('Invoke Agent runs the command agent and returns its answer', async () => {
    const result = await vscode.commands.executeCommand('aop.invokeAgent', 'text-stats', 'One two three. Four.');
    assert.ok(result, 'no result');
    assert.equal(result.structuredContent.success, true, JSON.stringify(result.structuredContent));
    assert.match(result.structuredContent.result, /Words: 4, sentences: 2/);
  });
  await check('an agent failure comes back as a failed result, not an exception', async () => {
    const result = await vscode.commands.executeCommand('aop.invokeAgent', 'code-reviewer', 'review nothing');
    assert.ok(result);
    assert.equal(result.structuredContent.success, false);
    assert.ok(result.structuredContent.error.length > 0);
  });

  const out = process.env.AOP_VSCODE_TESTS_RESULT;
  if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`${failed.length} of ${results.length} in-editor checks failed:\n${failed.map((f) => `${f.name}: ${f.error}`).join('\n')}`);
}

module.exports = { run };
