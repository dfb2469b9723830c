// Bundles the extension, language server and CLI (node, cjs, `vscode` external) and the webview (browser).
import { build, context } from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync, chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
/** `--outdir=DIR` (default dist): the benchmark builds a production copy without touching dist/. */
const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? 'dist';
/** `--metafile=FILE`: what each node bundle is made of (esbuild's metafile, JSON; bench/lib/bundle-report.mjs reads it). */
const metafile = process.argv.find((a) => a.startsWith('--metafile='))?.slice('--metafile='.length);

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
 * A CommonJS module whose exports `names` are getters over `source` (an expression that requires
 * another bundle), evaluated on the first read of any of them: how the A2A SDK, the CLI's deps and
 * the extension's host are loaded on first use while the sources keep static imports.
 */
const lazyGetters = (source, names) => ({
  contents: [
    'let loaded;',
    `const load = () => (loaded ??= ${source});`,
    "Object.defineProperty(exports, '__esModule', { value: true });",
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
  ].join('\n'),
  loader: 'js',
});

/**
 * A bundle of its own, loaded at run time by `require()`: `import('x')` in our code becomes
 * `Promise.resolve().then(() => require('./file.js'))`. Marking the file external would keep a
 * real `import()`, and Node's ESM loader then runs cjs-module-lexer over the whole CommonJS file
 * to find its exports: ~0.2–0.4 s for a 1–2 MB bundle (profile in bench/NOTES.md, CLI cold start).
 */
const requireApart = (file) => ({ path: file, namespace: 'require-apart' });
const requireApartLoader = {
  name: 'require-apart',
  setup(b) {
    b.onLoad({ filter: /.*/, namespace: 'require-apart' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    b.onResolve({ filter: /.*/, namespace: 'require-apart' }, (args) => ({ path: args.path, external: true }));
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
    b.onResolve({ filter: /^etcd3$/ }, () => requireApart('./etcd3.js'));
  },
};

/**
 * The A2A SDK (@a2a-js/sdk, ~215 KB minified of the extension's bundle) is needed only when an A2A
 * request reaches our server or a cluster has an A2A member. It is its own bundle, dist/a2a-sdk.js
 * (src/core/a2a/sdk-bundle.ts), and every `import { X } from '@a2a-js/sdk…'` in our code resolves
 * to a small module of getters that require dist/a2a-sdk.js on the first read of any value:
 * esbuild reads CommonJS imports as property accesses at the point of use, so nothing changes in
 * the sources (types are erased; only a module-level use of a value would load it at start-up —
 * the activation bench checks that it is not loaded). The SDK code exists once, in that bundle.
 */
const A2A_SDK_PARTS = { '@a2a-js/sdk': 'root', '@a2a-js/sdk/client': 'client', '@a2a-js/sdk/errors': 'errors', '@a2a-js/sdk/server': 'server' };
const A2A_SDK_ENTRY = 'src/core/a2a/sdk-bundle.ts';
const a2aSdkApart = {
  name: 'a2a-sdk-apart',
  setup(b) {
    b.onResolve({ filter: /^@a2a-js\/sdk(\/|$)/ }, (args) => {
      if (args.importer.endsWith(A2A_SDK_ENTRY.split('/').pop()) || /[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      if (!(args.path in A2A_SDK_PARTS)) {
        return { errors: [{ text: `${args.path} is not in dist/a2a-sdk.js: export it from ${A2A_SDK_ENTRY} and add it to A2A_SDK_PARTS in esbuild.mjs` }] };
      }
      return { path: args.path, namespace: 'a2a-sdk-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'a2a-sdk-lazy' }, (args) => {
      const names = Object.keys(createRequire(import.meta.url)(args.path)).filter((k) => k !== 'default' && k !== '__esModule');
      return lazyGetters(`require('./a2a-sdk.js').${A2A_SDK_PARTS[args.path]}`, names);
    });
    b.onResolve({ filter: /.*/, namespace: 'a2a-sdk-lazy' }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The CLI's commands, one bundle each: src/cli/main.ts (dist/cli.js) holds only the commands'
 * help and flags and loads `import('./x')` — src/cli/x.ts, built as dist/cli-x.js — when command x
 * runs. `aop --help` then compiles ~20 KB instead of the whole CLI, `aop discover` only the
 * client half. The list is read from main.ts, so a new command needs no change here.
 * See bench/NOTES.md (CLI cold start).
 */
const CLI_MAIN = 'src/cli/main.ts';
const cliCommandModules = existsSync(CLI_MAIN)
  ? [...new Set([...readFileSync(CLI_MAIN, 'utf8').matchAll(/\bimport\('\.\/([\w-]+)'\)/g)].map((m) => m[1]))]
  : [];
/**
 * Parts of the extension loaded on first use, each its own bundle (dist/<name>.js), by
 * `import('./<name>')` from src/extension: the language client (vscode-languageclient, ~0.4 MB)
 * when the first agent file opens (extension.ts), the Traces panel (its feed, messages and the
 * zod-checked webview protocol) when it opens or is restored (trace-panel-loader.ts).
 */
const EXTENSION_PARTS_APART = ['language-client', 'trace-panel'];
const cliCommandsApart = {
  name: 'cli-commands-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+$/ }, (args) => {
      const extensionPart = /[\\/]src[\\/]extension[\\/][\w-]+\.ts$/.test(args.importer) && EXTENSION_PARTS_APART.includes(args.path.slice(2));
      if (args.kind !== 'dynamic-import') {
        // a static import would copy the part into dist/extension.js
        return extensionPart ? { errors: [{ text: `${args.path} is a bundle of its own (EXTENSION_PARTS_APART in esbuild.mjs): load it with import()` }] } : undefined;
      }
      if (/[\\/]src[\\/]cli[\\/]main\.ts$/.test(args.importer) && cliCommandModules.includes(args.path.slice(2))) return requireApart(`./cli-${args.path.slice(2)}.js`);
      if (extensionPart) return requireApart(`./${args.path.slice(2)}.js`);
      return undefined;
    });
  },
};

/**
 * zod and the MCP SDK (with ajv) are ~0.8 MB of every CLI command's bundle, and a cold `aop discover`
 * needs neither (its MCP session and its checks are plain code: src/core/mcp-client/mcp-session.ts),
 * nor cockatiel (~10 ms to load; its breakers are made on a server's first call).
 * In the CLI bundles, every `import … from 'zod…'` / `'@modelcontextprotocol/sdk/…'` / `'cockatiel'` of our code
 * resolves to a small module of getters that require dist/cli-deps.js (zod, cockatiel) or
 * dist/cli-sdk.js (the SDK) on the first read of any value (the technique of the A2A SDK above).
 * Both hold the parts used, built after the CLI from the list the CLI build met; the SDK's own
 * imports of zod resolve to dist/cli-deps.js, so there is one zod. A module-level
 * use of a value (a schema built at load) loads it at start-up: build such schemas on first use.
 * The extension and the language server bundle both as before. See bench/NOTES.md (CLI cold start).
 */
const CLI_DEPS = /^(zod|@modelcontextprotocol\/sdk|cockatiel)(\/|$)/;
/**
 * The MCP SDK is a bundle of its own (dist/cli-sdk.js) beside dist/cli-deps.js (zod, cockatiel):
 * `aop serve` needs zod from its start (the front-matter schema) and cockatiel on its first call,
 * but the SDK only for requests its direct paths do not answer; one bundle evaluated all three
 * (the SDK's schemas, server, client and ajv: ~80 ms of every cold start).
 */
const SDK_PATH = /^@modelcontextprotocol\/sdk(\/|$)/;
const cliBundleOf = (importPath) => (SDK_PATH.test(importPath) ? 'cli-sdk.js' : 'cli-deps.js');
/** The zod entry points the SDK imports that share zod v4's classes with ours: taken from dist/cli-deps.js, never a second copy. */
const SHARED_ZOD = ['zod', 'zod/v4', 'zod/v4-mini', 'zod/v4/core'];
const cliDepsUsed = new Set();
/**
 * The names src/ imports from each of those paths (a namespace import: every name). The getter
 * modules define only these: a getter per export of zod and the SDK's types (~600) cost a cold
 * start its allocations (a young-generation GC) for nothing.
 */
const cliDepsNames = (() => {
  const names = new Map();
  for (const f of readdirSync('src', { recursive: true })) {
    if (!String(f).endsWith('.ts')) continue;
    const text = readFileSync(`src/${f}`, 'utf8');
    for (const m of text.matchAll(/\bimport\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+)\s+from\s+'([^']+)'/g)) {
      if (m[1] || !CLI_DEPS.test(m[3])) continue;
      const set = names.get(m[3]) ?? new Set();
      names.set(m[3], set);
      if (m[2].startsWith('*')) set.add('*');
      else for (const part of m[2].slice(1, -1).split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name && !name.startsWith('type ')) set.add(name);
      }
    }
  }
  return names;
})();
const cliDepsApart = {
  name: 'cli-deps-apart',
  setup(b) {
    b.onResolve({ filter: CLI_DEPS }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.importer) || args.namespace === 'cli-deps-lazy') return undefined;
      cliDepsUsed.add(args.path);
      return { path: args.path, namespace: 'cli-deps-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'cli-deps-lazy' }, (args) => {
      const exported = Object.keys(createRequire(import.meta.url)(args.path)).filter((k) => k !== 'default' && k !== '__esModule');
      const used = cliDepsNames.get(args.path);
      const names = !used || used.has('*') ? exported : [...used];
      const missing = names.filter((n) => !exported.includes(n));
      if (missing.length) return { errors: [{ text: `${args.path} has no export ${missing.join(', ')} (cli-deps-apart reads the names from the sources' import lines)` }] };
      return lazyGetters(`require('./${cliBundleOf(args.path)}').default[${JSON.stringify(args.path)}]`, names);
    });
    b.onResolve({ filter: /.*/, namespace: 'cli-deps-lazy' }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The extension's entry and its host. dist/extension.js is the editor glue only (src/extension):
 * activate() registers the views, commands and providers from it and returns. The host half —
 * src/core with the MCP SDK, zod, yaml and ajv, ~0.9 MB — is dist/extension-host.js, built from
 * src/core/index.ts (the core's public surface) and required right after activation:
 * AgentExtension loads it with `import('../core')`, and every static `import { X } from '../core'`
 * in src/extension resolves to a small module of getters that require dist/extension-host.js on the
 * first read of any value (as for the A2A SDK above). Types are erased; a value of the core used at
 * module top level or during activate() would load the host there — the activation bench reports
 * it. The core exists once, in that bundle. See bench/NOTES.md (extension activation).
 */
const CORE_ENTRY = 'src/core/index.ts';
const coreValueNames = () => {
  const text = readFileSync(CORE_ENTRY, 'utf8');
  if (/^export\s+(\*|default|const|let|var|function|class|enum)\b/m.test(text)) {
    throw new Error(`${CORE_ENTRY}: only \`export { … } from '…'\` and \`export type\` lines are understood by esbuild.mjs (extension host bundle); update coreValueNames`);
  }
  return [...text.matchAll(/^export\s*\{([^}]*)\}\s*from\b/gm)].flatMap((m) =>
    m[1]
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('type '))
      .map((s) => s.split(/\s+as\s+/).pop()),
  );
};
const extensionHostApart = {
  name: 'extension-host-apart',
  setup(b) {
    b.onResolve({ filter: /^(\.\.\/)+core$/ }, (args) => {
      if (!/[\\/]src[\\/]extension[\\/]/.test(args.importer)) return undefined;
      if (args.kind === 'dynamic-import') return requireApart('./extension-host.js');
      return { path: 'core', namespace: 'extension-host-lazy' };
    });
    // one ES module in front of the getters: its importers share its namespace (a CommonJS module
    // would be copied into a namespace per importing file at load, see vscodeOnce below)
    b.onLoad({ filter: /^core$/, namespace: 'extension-host-lazy' }, () => ({ contents: "export * from 'core-getters';", loader: 'js' }));
    b.onLoad({ filter: /^core-getters$/, namespace: 'extension-host-lazy' }, () => lazyGetters("require('./extension-host.js')", coreValueNames()));
    b.onResolve({ filter: /.*/, namespace: 'extension-host-lazy' }, (args) =>
      args.path === 'core-getters' ? { path: args.path, namespace: 'extension-host-lazy' } : { path: args.path, external: true },
    );
  },
};

/**
 * esbuild escapes non-ASCII characters in code but keeps some comments as written, and one `—`
 * in a comment makes V8 hold the whole bundle as a two-byte string: a slower read (UTF-8
 * decoding) and compile for every CLI start (2–9 ms for dist/cli-discover.js, bench/NOTES.md,
 * CLI cold start). Such characters in the CLI bundles become `?` (one UTF-16 unit each, so the
 * source maps' columns still hold).
 */
const asciiOutput = {
  name: 'ascii-output',
  setup(b) {
    b.initialOptions.metafile = true;
    b.onEnd((result) => {
      for (const out of Object.keys(result.metafile?.outputs ?? {})) {
        if (!out.endsWith('.js')) continue;
        const text = readFileSync(out, 'utf8');
        if (/[^\x00-\x7f]/.test(text)) writeFileSync(out, text.replace(/[^\x00-\x7f]/gu, (c) => '?'.repeat(c.length)));
      }
    });
  },
};

/**
 * `import * as vscode from 'vscode'` in each of ~15 modules would copy the API object's ~300 keys
 * into a namespace of its own at load (esbuild's __toESM of a CommonJS module, ~10–20 ms of
 * dist/extension.js's require). They share one instead: `vscode` resolves to a module that
 * re-exports it, copied once.
 */
const vscodeOnce = {
  name: 'vscode-once',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' }));
    b.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension' },
  // src/core for the extension (~0.9 MB minified): required right after activation
  { in: CORE_ENTRY, out: 'extension-host' },
  ...EXTENSION_PARTS_APART.map((m) => ({ in: `src/extension/${m}.ts`, out: m })),
  { in: 'src/language-server/server.ts', out: 'language-server' },
].filter((e) => existsSync(e.in));
const cliEntries = [
  { in: CLI_MAIN, out: 'cli' },
  ...cliCommandModules.map((m) => ({ in: `src/cli/${m}.ts`, out: `cli-${m}` })),
].filter((e) => existsSync(e.in));
if (existsSync(A2A_SDK_ENTRY)) nodeEntries.push({ in: A2A_SDK_ENTRY, out: 'a2a-sdk' });
if (existsSync('node_modules/etcd3/lib/index.js')) nodeEntries.push({ in: 'node_modules/etcd3/lib/index.js', out: 'etcd3' });

/** The product version, for src/core/version.ts: without it every bundle inlines all of package.json (11 KB) to read one field. */
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeConfig = {
  ...common,
  outdir,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  define: { __AOP_VERSION__: JSON.stringify(version) },
  metafile: Boolean(metafile),
};
const configs = [
  { ...nodeConfig, entryPoints: nodeEntries, plugins: [zodEnglishOnly, etcd3Protos, etcd3Apart, cliCommandsApart, extensionHostApart, vscodeOnce, requireApartLoader, a2aSdkApart] },
];
if (cliEntries.length) {
  configs.push({ ...nodeConfig, entryPoints: cliEntries, plugins: [zodEnglishOnly, etcd3Apart, cliCommandsApart, requireApartLoader, a2aSdkApart, cliDepsApart, asciiOutput] });
}
/** A bundle of import paths, each one's namespace under its path: `require(bundle).default[path]`. */
const pathsBundle = (name, paths, plugins) => ({
  ...nodeConfig,
  stdin: {
    // ESM imports, so the packages' ESM builds are bundled (zodEnglishOnly applies; no zod v3 via the SDK's CommonJS build)
    contents: [
      ...paths.map((p, i) => `import * as p${i} from ${JSON.stringify(p)};`),
      `export default { ${paths.map((p, i) => `${JSON.stringify(p)}: p${i}`).join(', ')} };`,
    ].join('\n'),
    resolveDir: '.',
    sourcefile: name,
    loader: 'js',
  },
  entryPoints: undefined,
  outdir: undefined,
  outfile: `${outdir}/${name}`,
  plugins: [zodEnglishOnly, ...plugins, asciiOutput],
});
/** In dist/cli-sdk.js, the SDK's imports of zod resolve to dist/cli-deps.js (one zod, one set of classes). */
const sdkSharesZod = {
  name: 'sdk-shares-zod',
  setup(b) {
    const filter = new RegExp(`^(${SHARED_ZOD.map((p) => p.replace(/[/]/g, '\\/')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'shared-zod' }));
    b.onLoad({ filter: /.*/, namespace: 'shared-zod' }, (args) => ({ contents: `module.exports = require('./cli-deps.js').default[${JSON.stringify(args.path)}];`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/cli-deps\.js$/, namespace: 'shared-zod' }, (args) => ({ path: args.path, external: true }));
  },
};
/** dist/cli-deps.js (zod, cockatiel, and the zod entry points the SDK imports) and dist/cli-sdk.js (the SDK parts the CLI build met). */
const cliDepsConfigs = () => {
  const used = [...cliDepsUsed].sort();
  const sdk = used.filter((p) => SDK_PATH.test(p));
  const deps = [...new Set([...used.filter((p) => !SDK_PATH.test(p)), ...(sdk.length ? SHARED_ZOD : [])])].sort();
  return [pathsBundle('cli-deps.js', deps, []), ...(sdk.length ? [pathsBundle('cli-sdk.js', sdk, [sdkSharesZod])] : [])];
};
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
  // dist/cli-deps.js once, from the imports the CLI has now (restart the watch after adding a new zod/SDK import path)
  if (cliEntries.length) {
    await build(configs[1]);
    for (const c of cliDepsConfigs()) await build(c);
  }
  for (const c of configs) await (await context(c)).watch();
} else {
  const results = await Promise.all(configs.map((c) => build(c)));
  if (cliEntries.length) results.push(...(await Promise.all(cliDepsConfigs().map((c) => build(c)))));
  if (metafile) writeFileSync(metafile, JSON.stringify(mergeMetafiles(results.map((r) => r.metafile).filter(Boolean))));
  if (existsSync(`${outdir}/cli.js`)) chmodSync(`${outdir}/cli.js`, 0o755);
}

/** One metafile of several builds (bench/lib/bundle-report.mjs reads its outputs). */
function mergeMetafiles(metas) {
  return { inputs: Object.assign({}, ...metas.map((m) => m.inputs)), outputs: Object.assign({}, ...metas.map((m) => m.outputs)) };
}
