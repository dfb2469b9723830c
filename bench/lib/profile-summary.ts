/** Summarises a V8 .cpuprofile: self time by function and by package/area. */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export function area(url: string): string {
  if (!url) return '(native/gc/idle)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    if (pkg === '@modelcontextprotocol/sdk') return `sdk/${rest.slice(4).join('/')}`;
    return pkg;
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  const b = url.indexOf('/bench/');
  if (b >= 0) return url.slice(b + 1);
  return url;
}

export function summarize(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const total = (p.endTime - p.startTime) / 1000; // ms
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // self time per node from samples/timeDeltas
  const self = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const fn = new Map<string, number>();
  const ar = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') {
      ar.set(name, (ar.get(name) ?? 0) + ms);
      continue;
    }
    busy += ms;
    const key = `${name}  ${area(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const a = name === '(garbage collector)' ? '(gc)' : area(n.callFrame.url);
    ar.set(a, (ar.get(a) ?? 0) + ms);
  }
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms ${((v / busy) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `profile ${file}\nwall ${total.toFixed(0)} ms, busy (non-idle) ${busy.toFixed(0)} ms\n\n-- self time by area --\n${fmt(ar)}\n\n-- self time by function --\n${fmt(fn)}\n`;
}

if (require.main === module) {
  console.log(summarize(process.argv[2], Number(process.argv[3] ?? 30)));
}
