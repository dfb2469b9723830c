/**
 * The Traces panel as the extension's entry sees it: the serializer that brings the panel back
 * after a reload is registered at activation; the panel's code — trace-panel.ts with its feed, its
 * messages and the zod-checked protocol — is a bundle of its own, dist/trace-panel.js
 * (esbuild.mjs), loaded when the panel opens or is restored, not when the extension activates.
 */
import * as vscode from 'vscode';
import { TRACE_VIEW_TYPE, type ShowTracesOptions, type TracePanelContext } from './trace-panel-context';

/** Registers the serializer that restores an open Traces panel after a reload. */
export function registerTracePanelSerializer(ext: TracePanelContext): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(TRACE_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
      const { TracePanel } = await import('./trace-panel');
      await TracePanel.restore(ext, panel, state);
    },
  });
}

/** `aop.showTraces`: opens the panel (or reveals the open one). */
export async function showTraces(ext: TracePanelContext, options: ShowTracesOptions = {}): Promise<void> {
  const { TracePanel } = await import('./trace-panel');
  TracePanel.show(ext, options);
}

/** `aop.exportTraces`: every stored trace, or one agent's, to an OTLP/JSON file. */
export async function exportTraces(ext: TracePanelContext, agent?: string): Promise<vscode.Uri | undefined> {
  return (await import('./trace-panel')).exportTraces(ext, agent);
}
