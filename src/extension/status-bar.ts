import * as vscode from 'vscode';
import type { LocalServer } from './local-server';

/** "$(hubot) 3 agents" — the local server at a glance; opens the Agent Explorer. */
export class AopStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('aop.status', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly local: LocalServer) {
    this.item.name = 'AOP Agents';
    this.item.command = 'aop.explorer.focus';
    this.update();
    this.item.show();
  }

  update(): void {
    // no host yet (its bundle loads after activation): the state is `starting`
    const n = this.local.host?.agents().length ?? 0;
    const busy = this.local.host?.inFlight() ?? 0;
    switch (this.local.state) {
      case 'running':
        this.item.text = `$(${busy ? 'loading~spin' : 'hubot'}) ${n} agent${n === 1 ? '' : 's'}${busy ? ` · ${busy} running` : ''}`;
        this.item.tooltip = this.links(`AOP local server: ${this.local.url}`);
        this.item.backgroundColor = undefined;
        break;
      case 'untrusted':
        this.item.text = '$(shield) AOP: untrusted';
        this.item.tooltip = 'Workspace not trusted: agents are not served';
        break;
      case 'failed':
        this.item.text = '$(error) AOP';
        this.item.tooltip = `AOP local server failed: ${this.local.error}`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      default:
        this.item.text = '$(hubot) AOP';
        this.item.tooltip = `AOP local server: ${this.local.state}`;
    }
  }

  /** The tooltip offers the explorer and the traces (the item itself opens the explorer). */
  private links(head: string): vscode.MarkdownString {
    const md = new vscode.MarkdownString(
      `${head}\n\n[$(list-tree) Agent Explorer](command:aop.explorer.focus) · [$(pulse) Show Traces](command:aop.showTraces) · [$(play) Invoke Agent…](command:aop.invokeAgent)`,
      true,
    );
    md.isTrusted = { enabledCommands: ['aop.explorer.focus', 'aop.showTraces', 'aop.invokeAgent'] };
    return md;
  }

  dispose(): void {
    this.item.dispose();
  }
}
