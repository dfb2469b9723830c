/**
 * The selected span's details (right, bottom): times, ids, the task of an agent call with its
 * "Open result" action, input/output/error texts (cut, "show all"), attributes and events.
 */
import { formatClock, formatDuration, formatOffset } from '../src/shared/format';
import { TASK_ID_ATTRIBUTE } from '../src/shared/span';
import { truncate } from '../src/shared/text';
import type { HostMessageOf, Span } from '../src/shared/trace-protocol';
import { h } from './dom';
import { attrString, statusIcon, statusLabel } from './span-look';
import type { TracesState } from './state';
import type { WaterfallLayout } from './waterfall-layout';

const TEXT_PREVIEW = 600;
const VALUE_PREVIEW = 300;
const EVENT_ATTRS_PREVIEW = 400;
/** While the selected span's task runs, its status is asked again this often. */
const TASK_POLL_MS = 1000;

export type TaskInfo = Omit<HostMessageOf<'taskInfo'>, 'type' | 'requestId'>;

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** What the details show for a span's task: nothing (no task id), or its line and whether "Open result" works. */
export function taskView(s: Span, info: TaskInfo | undefined): { taskId: string; text: string; canOpen: boolean; final: boolean } | undefined {
  const taskId = s.attributes[TASK_ID_ATTRIBUTE];
  if (typeof taskId !== 'string' || !taskId) return undefined;
  if (!info) return { taskId, text: 'asking the local server…', canOpen: false, final: false };
  if (info.status === undefined) return { taskId, text: 'not a task of this window’s server (a remote call), or no longer kept', canOpen: false, final: true };
  if (!FINAL.has(info.status)) return { taskId, text: `${info.status}: the result can be opened when it ends`, canOpen: false, final: false };
  if (info.kept) return { taskId, text: `${info.status} · result kept`, canOpen: true, final: true };
  return { taskId, text: `${info.status} · no result kept (kept for task calls: Invoke Agent…, or tools/call with params.task)`, canOpen: false, final: true };
}

export interface DetailsEvents {
  /** Asks the host about a task (`taskInfo`). */
  taskInfo(taskId: string): Promise<TaskInfo>;
  /** "Open result" (`openTaskResult`). */
  openResult(taskId: string): Promise<unknown>;
}

export class DetailsView {
  readonly element: HTMLElement;
  private readonly tasks = new Map<string, TaskInfo>();
  private readonly asking = new Set<string>();
  private readonly opening = new Set<string>();
  private poll?: { taskId: string; timer: number };
  private layout?: WaterfallLayout;

  constructor(
    private readonly state: TracesState,
    private readonly on: DetailsEvents,
  ) {
    this.element = h('section', { class: 'details', 'data-testid': 'span-details', 'aria-label': 'Span details' });
    this.element.addEventListener('click', (e) => {
      const target = e.target as Element;
      const expand = target.closest<HTMLElement>('[data-expand]');
      if (expand) {
        this.state.toggleExpanded(expand.dataset.expand!);
        this.render(this.layout);
        return;
      }
      const open = target.closest<HTMLElement>('[data-open-task]');
      if (open && !open.hasAttribute('disabled')) this.openResult(open.dataset.openTask!);
    });
  }

  render(layout: WaterfallLayout | undefined): void {
    this.layout = layout;
    const d = this.state.detail;
    const s = this.state.selectedSpan();
    const at = s && layout ? layout.rowOf(s.spanId) : undefined;
    if (!d || !s || !layout || at === undefined) {
      this.element.replaceChildren(h('div', { class: 'empty', text: d ? 'Select a span to see its attributes, events, input and output.' : '' }));
      return;
    }
    const row = layout.row(at);
    const status = s.status.code;
    const kv = (k: string, v: Node | string) => [h('dt', { text: k }), h('dd', null, v)];
    const parent = s.parentSpanId !== undefined ? d.byId.get(s.parentSpanId) : undefined;
    const meta = h(
      'dl',
      { class: 'meta' },
      ...kv('Duration', `${formatDuration(row.durationMs)}${row.open ? ' (running)' : ''}`),
      ...kv('Start', `${formatOffset(row.offsetMs)} · ${formatClock(s.startMs)}`),
      ...kv('Server', s.server),
      ...kv('Kind', s.kind),
      ...kv('Span', s.spanId),
      ...kv('Parent', parent !== undefined ? `${d.spans[parent].name} (${s.parentSpanId})` : (s.parentSpanId ?? '—')),
      ...(row.skewMs ? kv('Clock skew', `shifted by ${formatDuration(Math.abs(row.skewMs))} to fit its caller`) : []),
      ...(row.clamped ? kv('Clamped', 'drawn inside its parent (it overhangs it)') : []),
    );
    const sections: Node[] = [
      h('div', { class: 'd-title' }, statusIcon(status, row.open), h('span', { class: 'd-name', text: s.name }), h('span', { class: `chip st-${row.open ? 'running' : status}`, text: statusLabel(status, row.open) })),
      meta,
    ];
    const task = this.taskSection(s);
    if (task) sections.push(task);
    if (s.status.message) sections.push(this.textBlock('Error', s.status.message, `${s.spanId}:status`, 'err'));
    const shown = new Set<string>();
    for (const [key, title] of [
      ['aop.input.task', 'Input task'],
      ['aop.output', 'Output'],
      ['aop.error', 'Error output'],
    ] as const) {
      const v = s.attributes[key];
      if (v === undefined) continue;
      shown.add(key);
      sections.push(this.textBlock(title, attrString(v), `${s.spanId}:${key}`, key === 'aop.error' ? 'err' : ''));
    }
    const attrs = Object.keys(s.attributes)
      .filter((k) => !shown.has(k))
      .sort();
    if (attrs.length) {
      sections.push(
        h('h4', { text: `Attributes (${attrs.length})` }),
        h(
          'table',
          { class: 'attrs' },
          h(
            'tbody',
            null,
            ...attrs.map((k) => {
              const full = attrString(s.attributes[k]);
              const key = `${s.spanId}:a:${k}`;
              const open = this.state.expanded.has(key);
              const { text, cut } = open ? { text: full, cut: true } : truncateText(full, VALUE_PREVIEW);
              return h('tr', null, h('th', { text: k, title: k }), h('td', null, text, cut ? this.expandButton(key, open, full.length) : null));
            }),
          ),
        ),
      );
    }
    const events = s.events ?? [];
    if (events.length) {
      sections.push(
        h('h4', { text: `Events (${events.length})` }),
        h(
          'ul',
          { class: 'events' },
          ...events.map((ev) => {
            const attrsText = Object.entries(ev.attributes ?? {})
              .map(([k, v]) => `${k}=${attrString(v)}`)
              .join('  ');
            return h(
              'li',
              { class: ev.name === 'exception' ? 'err' : '' },
              h('span', { class: 'ev-time', text: formatOffset(ev.timeMs + row.shiftMs - layout.startMs) }),
              h('span', { class: 'ev-name', text: ev.name }),
              attrsText ? h('span', { class: 'ev-attrs', text: truncateText(attrsText, EVENT_ATTRS_PREVIEW).text }) : null,
            );
          }),
        ),
      );
    }
    this.element.replaceChildren(...sections);
  }

  /** The "Task" block of an agent call's span; asks the host about the task when it is not known yet (or still running). */
  private taskSection(s: Span): HTMLElement | undefined {
    const view = taskView(s, this.tasks.get(String(s.attributes[TASK_ID_ATTRIBUTE])));
    if (!view) return undefined;
    if (!view.final) this.ask(view.taskId);
    const busy = this.opening.has(view.taskId);
    return h(
      'div',
      { class: 'block task', 'data-testid': 'detail-task', 'data-task-id': view.taskId, 'data-can-open': String(view.canOpen) },
      h('h4', { text: 'Task' }),
      h(
        'div',
        { class: 'task-line' },
        h('code', { text: view.taskId }),
        h('span', { class: 'dim', text: view.text }),
        h(
          'vscode-button',
          {
            icon: 'output',
            secondary: true,
            title: 'Open the kept result of this call (as "AOP: Open Task Result…" does)',
            'data-testid': 'action-open-result',
            'data-open-task': view.taskId,
            hidden: !view.canOpen && view.final,
            disabled: !view.canOpen || busy,
          },
          'Open result',
        ),
      ),
    );
  }

  /** Asks the host about a task at once; while it runs, again after TASK_POLL_MS (only the selected span's task). */
  private ask(taskId: string): void {
    if (this.asking.has(taskId) || this.poll?.taskId === taskId) return;
    if (this.poll) clearTimeout(this.poll.timer);
    this.poll = undefined;
    const run = () => {
      this.poll = undefined;
      this.asking.add(taskId);
      void this.on
        .taskInfo(taskId)
        .then(
          (info) => void this.tasks.set(taskId, info),
          () => void this.tasks.set(taskId, { taskId, kept: false }),
        )
        .finally(() => {
          this.asking.delete(taskId);
          // still the selected span's task: show what is known now
          if (this.state.selectedSpan()?.attributes[TASK_ID_ATTRIBUTE] === taskId) this.render(this.layout);
        });
    };
    if (!this.tasks.has(taskId)) run();
    else this.poll = { taskId, timer: window.setTimeout(run, TASK_POLL_MS) };
  }

  private openResult(taskId: string): void {
    if (this.opening.has(taskId)) return;
    this.opening.add(taskId);
    this.render(this.layout);
    void this.on.openResult(taskId).finally(() => {
      this.opening.delete(taskId);
      this.render(this.layout);
    });
  }

  private expandButton(key: string, open: boolean, length: number): HTMLElement {
    return h('button', { class: 'link', type: 'button', 'data-expand': key, text: open ? 'show less' : `show all (${length} chars)` });
  }

  private textBlock(title: string, text: string, key: string, cls: string): HTMLElement {
    const open = this.state.expanded.has(key);
    const { text: shown, cut } = open ? { text, cut: text.length > TEXT_PREVIEW } : truncateText(text, TEXT_PREVIEW);
    return h('div', { class: 'block' }, h('h4', { text: title }), h('pre', { class: cls, 'data-testid': `detail-${title.toLowerCase().replace(/\s+/g, '-')}`, text: shown }), cut ? this.expandButton(key, open, text.length) : null);
  }
}

function truncateText(s: string, max: number): { text: string; cut: boolean } {
  return { text: truncate(s, max), cut: s.length > max };
}
