/**
 * Who pays for an area: for every sample whose leaf frame is in `area` (substring of the script
 * URL or function name), the nearest caller outside that area, summed. Usage:
 *   node --import tsx bench/lib/profile-callers.ts FILE.cpuprofile zod [abort_controller …]
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

export function callers(file: string, area: string, depth = 2): Array<[string, number]> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inArea = (n: Node) => n.callFrame.url.includes(area) || n.callFrame.functionName.includes(area);
  const label = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const sums = new Map<string, number>();
  p.samples.forEach((id, i) => {
    let n = byId.get(id)!;
    if (!inArea(n)) return;
    while (parent.has(n.id) && inArea(n)) n = byId.get(parent.get(n.id)!)!;
    const chain: string[] = [];
    for (let k = 0; k < depth && n; k++) {
      chain.push(label(n));
      const up = parent.get(n.id);
      n = up === undefined ? (undefined as never) : byId.get(up)!;
    }
    const key = chain.join(' ← ');
    sums.set(key, (sums.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...sums].sort((a, b) => b[1] - a[1]);
}

if (require.main === module) {
  const [file, ...areas] = process.argv.slice(2);
  for (const a of areas) {
    console.log(`-- ${a}: nearest callers outside it --`);
    for (const [k, v] of callers(file, a).slice(0, 12)) console.log(`${v.toFixed(0).padStart(7)} ms  ${k}`);
  }
}
