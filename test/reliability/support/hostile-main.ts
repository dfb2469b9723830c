/** The hostile MCP server in its own process (forked with IPC): `{set}` changes options, `{get}` returns the counts. */
import { startHostile } from './hostile-mcp';

void (async () => {
  const h = await startHostile(JSON.parse(process.argv[2] ?? '{}'));
  process.send!({ url: h.url });
  process.on('message', (m: { set?: Record<string, unknown>; get?: boolean }) => {
    if (m.set) Object.assign(h.options, m.set);
    process.send!({ counts: h.counts });
  });
  process.on('disconnect', () => void h.close().then(() => process.exit(0)));
})();
