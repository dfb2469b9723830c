/** The selected trace's header (agent, status, duration, counts) and its action buttons. */
import { formatClock, formatDuration } from '../src/shared/format';
import { h } from './dom';
import { statusIcon, statusLabel } from './span-look';
import type { TracesState } from './state';

/** The trace actions: each one is a request the host answers with `ack`. */
export type TraceAction = 'openDefinition' | 'rerun' | 'exportTrace' | 'copyJson';

const BUTTONS: Array<[TraceAction, string, string, string, string]> = [
  ['openDefinition', 'go-to-file', 'Definition', "Open the agent's definition", 'action-open'],
  ['rerun', 'debug-rerun', 'Re-run', 'Run the agent again with the same task', 'action-rerun'],
  ['exportTrace', 'export', 'Export', 'Save the trace as OTLP/JSON', 'action-export'],
  ['copyJson', 'copy', 'Copy JSON', 'Copy the trace (spans) as JSON', 'action-copy'],
];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export class TraceHead {
  readonly element: HTMLElement;
  private readonly head: HTMLElement;
  private readonly buttons = new Map<TraceAction, HTMLElement>();
  /** Buttons whose request is still running (they stay disabled). */
  private readonly busy = new Set<HTMLElement>();

  constructor(
    private readonly state: TracesState,
    action: (type: TraceAction) => Promise<unknown>,
  ) {
    for (const [type, iconName, text, title, testid] of BUTTONS) {
      const b = h('vscode-button', { icon: iconName, secondary: true, title, 'data-testid': testid }, text);
      b.addEventListener('click', () => {
        if (!this.state.selectedTraceId || this.busy.has(b)) return;
        this.busy.add(b);
        b.setAttribute('disabled', '');
        void action(type).finally(() => {
          this.busy.delete(b);
          this.render();
        });
      });
      this.buttons.set(type, b);
    }
    this.head = h('div', { class: 'trace-head', 'data-testid': 'trace-head' });
    this.element = h('div', { class: 'trace-headbar' }, this.head, h('div', { class: 'actions' }, ...this.buttons.values()));
  }

  render(): void {
    const d = this.state.detail;
    for (const b of this.buttons.values()) {
      if (!d || this.busy.has(b)) b.setAttribute('disabled', '');
      else b.removeAttribute('disabled');
    }
    if (!d) {
      this.head.replaceChildren(h('span', { class: 'dim', text: this.state.initialized ? 'No trace selected' : 'Loading traces…' }));
      return;
    }
    const t = d.trace;
    let attempts = 0;
    let retries = 0;
    let backoffs = 0;
    let remotes = 0;
    for (const s of d.spans) {
      if (s.name.startsWith('aop.attempt')) {
        attempts++;
        if (Number(s.name.slice('aop.attempt'.length)) > 1) retries++;
      } else if (s.name.startsWith('aop.backoff')) backoffs++;
      else if (s.name.startsWith('aop.remote')) remotes++;
    }
    const meta: string[] = [
      `${t.open ? 'started' : 'ran'} ${formatClock(t.startMs)}`,
      plural(t.spanCount, 'span'),
      t.servers.length > 1 ? `${t.servers.length} servers` : `@${t.server}`,
    ];
    if (attempts) meta.push(`${plural(attempts, 'attempt')}${retries ? ` (${plural(retries, 'retry', 'retries')})` : ''}`);
    if (backoffs) meta.push(plural(backoffs, 'backoff'));
    if (remotes) meta.push(plural(remotes, 'remote hop'));
    this.head.replaceChildren(
      h(
        'div',
        { class: 'th-title' },
        statusIcon(t.status, t.open),
        h('span', { class: 'th-agent', text: t.agent ?? '(unknown)' }),
        h('span', { class: `chip st-${t.open ? 'running' : t.status}`, text: statusLabel(t.status, t.open) }),
        h('span', { class: 'th-dur', text: t.open ? `${formatDuration(Math.max(t.durationMs, this.state.now() - t.startMs))}…` : formatDuration(t.durationMs) }),
        h('span', { class: 'th-id dim', title: t.traceId, text: `trace ${t.traceId.slice(0, 12)}…` }),
      ),
      h('div', { class: 'th-meta dim', text: meta.join(' · ') }),
    );
  }
}
