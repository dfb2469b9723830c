/**
 * Entry of the Traces webview bundle (dist/webview.js + dist/webview.css). Only the
 * @vscode-elements components used here are imported, so the rest is not bundled.
 */
import './zod-config'; // first: before any schema is built
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import { TracesApp } from './app';
import type { VsCodeApi } from './host-channel';

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
(window as unknown as { aopTraces?: TracesApp }).aopTraces = new TracesApp(root, acquireVsCodeApi(), window);
