// Bundles the extension, language server and CLI (node, cjs, `vscode` external) and the webview (browser).
import { build, context } from 'esbuild';
import { existsSync, chmodSync, copyFileSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
/** `--outdir=DIR` (default dist): the benchmark builds a production copy without touching dist/. */
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';

/**
 * zod's `z.locales` namespace (40+ translations, ~255 KB minified) is re-exported by every zod
 * entry and cannot be tree-shaken: `import { z } from 'zod'` and the MCP SDK's
 * `import * as z from 'zod/v4'` keep whole namespaces alive. Nothing here calls
 * `z.config(z.locales.xx())`; English (the default, imported directly by zod) stays.
 * See bench/NOTES.md (extension size).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: args.importer, namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(new URL('../locales/en.js', 'file://' + args.path).pathname)};`,
      loader: 'js',
      resolveDir: '.',
    }));
  },
};

/**
 * etcd3 loads its gRPC protocol from `${__dirname}/../proto/rpc.proto` at run time. Bundled,
 * __dirname is dist/: point it at dist/etcd3-proto/, where the .proto files are copied.
 */
const etcd3Protos = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(args.path, 'utf8');
      const contents = text.replace('`${__dirname}/../proto/rpc.proto`', '`${__dirname}/etcd3-proto/rpc.proto`');
      if (contents === text) throw new Error('etcd3-protos: the proto path in etcd3/lib/connection-pool.js moved; update esbuild.mjs');
      return { contents, loader: 'js' };
    });
  },
};

/**
 * etcd3 with gRPC and protobufjs is ~0.5 MB minified: its own bundle, dist/etcd3.js, required on
 * first use of a registry only (src/core/registry/etcd.ts imports it dynamically). The extension
 * and the CLI stay as small and quick to load as without it.
 */
const etcd3Apart = {
  name: 'etcd3-apart',
  setup(b) {
    b.onResolve({ filter: /^etcd3$/ }, () => ({ path: './etcd3.js', external: true }));
  },
};

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/language-server/server.ts', out: 'language-server' },
  { in: 'src/cli/main.ts', out: 'cli' },
].filter((e) => existsSync(e.in));
if (existsSync('node_modules/etcd3/lib/index.js')) nodeEntries.push({ in: 'node_modules/etcd3/lib/index.js', out: 'etcd3' });

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const configs = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [zodEnglishOnly, etcd3Protos, etcd3Apart],
  },
];
if (existsSync('webview/main.ts')) {
  configs.push({
    ...common,
    entryPoints: [{ in: 'webview/main.ts', out: 'webview' }],
    outdir,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    // webview/main.ts imports its CSS: esbuild writes dist/webview.css beside dist/webview.js
  });
  // the codicon font + css, served to the webview from dist/ (its only localResourceRoot)
  mkdirSync('dist/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
}

mkdirSync(`${outdir}/etcd3-proto`, { recursive: true });
for (const f of ['rpc.proto', 'kv.proto', 'auth.proto']) copyFileSync(`node_modules/etcd3/proto/${f}`, `${outdir}/etcd3-proto/${f}`);

if (watch) {
  for (const c of configs) await (await context(c)).watch();
} else {
  await Promise.all(configs.map((c) => build(c)));
  if (existsSync(`${outdir}/cli.js`)) chmodSync(`${outdir}/cli.js`, 0o755);
}
