/**
 * What a bundle is made of, by package (bytes in the output), from esbuild's metafile:
 *   node esbuild.mjs --production --outdir=bench/out/prod --metafile=bench/out/meta.json
 *   node bench/lib/bundle-report.mjs bench/out/meta.json [OUTPUT_SUBSTRING …] [--top=N]
 */
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
const top = Number(rest.find((a) => a.startsWith('--top='))?.slice(6) ?? 15);
const wanted = rest.filter((a) => !a.startsWith('--'));
const meta = JSON.parse(readFileSync(file, 'utf8'));
for (const [out, o] of Object.entries(meta.outputs)) {
  if (out.endsWith('.map') || (wanted.length && !wanted.some((w) => out.includes(w)))) continue;
  const byPkg = new Map();
  for (const [p, v] of Object.entries(o.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
    const k = m ? m[1] : p.startsWith('src/') ? p.split('/').slice(0, 3).join('/') : p;
    byPkg.set(k, (byPkg.get(k) ?? 0) + v.bytesInOutput);
  }
  console.log(`${out}: ${(o.bytes / 1024).toFixed(0)} KiB`);
  for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(v / 1024).toFixed(0).padStart(6)} KiB  ${k}`);
}
