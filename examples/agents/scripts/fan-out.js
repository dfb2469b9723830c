#!/usr/bin/env node
// An orchestrating "agent" for the command provider, with no model: it splits the task into
// paragraphs, calls `text-stats` on all of them at once through the server's `call_agents` tool,
// and merges the answers. The server gives it AOP_URL and AOP_TOKEN (scoped to this invocation
// and to the `tools:` of fan-out.agent.md). Plain Node, no dependencies: MCP over HTTP by hand.
const url = process.env.AOP_URL;
const token = process.env.AOP_TOKEN;

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const paragraphs = input.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  if (paragraphs.length === 0) throw new Error('no text: give me a task of one or more paragraphs');
  if (!url) throw new Error('AOP_URL is not set: run me through an AOP server that listens on HTTP (aop serve, or the extension)');

  const session = await connect();
  const { results } = await session.call('call_agents', {
    calls: paragraphs.map((task) => ({ agent: 'text-stats', task })),
  });
  await session.close();

  const lines = [`${paragraphs.length} paragraph${paragraphs.length === 1 ? '' : 's'}, analysed in parallel by text-stats:`];
  let words = 0;
  results.forEach((r, i) => {
    lines.push('', `## Paragraph ${i + 1}`, r.success ? r.result : `failed: ${r.error}`);
    const m = /Words: (\d+)/.exec(r.result ?? '');
    if (m) words += Number(m[1]);
  });
  lines.push('', `Total words: ${words}.`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** One MCP session over Streamable HTTP: initialize, then tools/call. */
async function connect() {
  let sessionId;
  let id = 0;
  const post = async (message) => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (sessionId) headers['mcp-session-id'] = sessionId;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
    sessionId ??= res.headers.get('mcp-session-id') ?? undefined;
    if (message.id === undefined) return undefined;
    const text = await res.text();
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    // JSON, or server-sent events whose data lines carry the JSON-RPC messages.
    const bodies = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      ? text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())
      : [text];
    for (const body of bodies) {
      const reply = JSON.parse(body);
      if (reply.id !== message.id) continue;
      if (reply.error) throw new Error(`${message.method} failed: ${reply.error.message}`);
      return reply.result;
    }
    throw new Error(`no answer to ${message.method}`);
  };
  await post({ jsonrpc: '2.0', id: ++id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fan-out', version: '1' } } });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    async call(name, args) {
      const result = await post({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name, arguments: args } });
      if (result.isError) throw new Error(`${name}: ${result.content?.[0]?.text ?? 'failed'}`);
      return result.structuredContent;
    },
    async close() {
      const headers = { 'mcp-session-id': sessionId };
      if (token) headers.authorization = `Bearer ${token}`;
      await fetch(url, { method: 'DELETE', headers }).catch(() => undefined);
    },
  };
}

main().catch((err) => {
  process.stderr.write(`fan-out: ${err.message}\n`);
  process.exit(1);
});
