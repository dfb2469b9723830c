// The layers of the code, enforced (`npm run lint`):
//
//   webview ──► src/shared ◄── src/core ◄── src/cli
//                    ▲            ▲  ▲
//                    └── src/extension, src/language-server (through src/core/index.ts only)
//
// - src/core and src/shared never import vscode, the extension, the CLI, the language server or the webview.
// - src/shared and webview run in a browser too: no Node built-ins; the webview reaches src/ only through src/shared.
// - the extension, the CLI and the language server use the core through its public surface, src/core/index.ts.
// Import circles are checked by madge (`npm run lint:circular`), unused files/exports/deps by knip.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const noVscode = { name: 'vscode', message: 'src/core and src/shared never import vscode: put editor glue in src/extension.' };

/** Deeper than `core` (e.g. `../core/server/aop-server`) is a core internal. */
const coreInternals = {
  regex: '^(\\.\\./)+core/.+',
  message: 'Import the core through its public surface: `../core` (src/core/index.ts). Export what you need there.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaVersion: 2022, sourceType: 'module' } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { regex: '^(\\.\\./)+(extension|cli|language-server)(/|$)', message: 'src/core never imports the editor, the CLI or the language server.' },
            { regex: '^(\\.\\./)+webview(/|$)', message: 'src/core never imports the webview.' },
          ],
        },
      ],
      // Performance, measured (bench/NOTES.md, "Per-call getters"): on V8 each object literal with a
      // getter closure of its own gets a hidden class of its own, in old space, which keeps what the
      // closure captured alive through young-generation GCs. Use a class with the getter on it.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ObjectExpression > Property[kind=/^(get|set)$/]',
          message: 'No getters or setters in object literals in src/core: each literal gets a hidden class of its own and keeps its captures alive through young GCs. Use a class.',
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode, ...nodeBuiltins.map((name) => ({ name, message: 'src/shared runs in the webview too: no Node built-ins.' }))],
          patterns: [{ regex: '^\\.\\./', message: 'src/shared depends on nothing else of ours.' }],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode, ...nodeBuiltins.map((name) => ({ name, message: 'The webview runs in a browser: no Node built-ins.' }))],
          patterns: [{ regex: '^\\.\\./src/(?!shared/)', message: 'The webview reaches src/ only through src/shared.' }],
        },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'src/language-server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [coreInternals, { regex: '^(\\.\\./)+cli(/|$)', message: 'The editor does not import the CLI.' }] },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The CLI runs without VS Code.' }],
          patterns: [coreInternals, { regex: '^(\\.\\./)+(extension|language-server)(/|$)', message: 'The CLI does not import the editor.' }],
        },
      ],
    },
  },
);
