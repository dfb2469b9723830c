/**
 * Process entry point of the agent-file language server, bundled to `dist/language-server.js`.
 * The transport (`--node-ipc`, `--stdio`, `--socket=…`) is chosen by the client on the command line;
 * `src/extension/language-client.ts` starts it over IPC.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startAgentLanguageServer } from './agent-language-server';

startAgentLanguageServer(createConnection(ProposedFeatures.all));
