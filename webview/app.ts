/**
 * The Traces view, composed: the invocation list (left, `list-view.ts`), the selected trace's head
 * and actions (`trace-head.ts`), its waterfall (`waterfall-view.ts`) and the selected span's
 * details (`details-view.ts`), over one `TracesState` (`state.ts`). The host is asked through
 * `HostChannel.request()`, whose promise settles with the reply to that request.
 */
import type { HostMessage, TraceFilter } from '../src/shared/trace-protocol';
import { parseWebviewState } from '../src/shared/trace-protocol';
import { DetailsView } from './details-view';
import { h, icon } from './dom';
import { HostChannel, type MessageSource, type VsCodeApi } from './host-channel';
import { ListView } from './list-view';
import { cleanFilter, TracesState } from './state';
import { TraceHead, type TraceAction } from './trace-head';
import { WaterfallView } from './waterfall-view';

/** How often running durations on screen are redrawn. */
const TICK_MS = 250;
const TOAST_MS = 4000;
const ERROR_TOAST_MS = 8000;

export class TracesApp {
  readonly state = new TracesState();
  private readonly channel: HostChannel;
  private readonly list: ListView;
  private readonly head: TraceHead;
  private readonly waterfall: WaterfallView;
  private readonly details: DetailsView;
  private readonly toast: HTMLElement;
  /** Only the answer to the newest query or selection is shown (older ones are on their way). */
  private queryToken = 0;
  private selectToken = 0;
  private ticker = 0;
  private toastTimer = 0;

  constructor(root: HTMLElement, api: VsCodeApi, source: MessageSource) {
    this.channel = new HostChannel(api, source, {
      onPush: (m) => this.onPush(m),
      onInvalid: (error) => this.showToast(`Ignored a message from the extension: ${error}`, true),
    });
    const state = this.state;
    this.list = new ListView(state, {
      filter: (f) => this.setFilter(f),
      refresh: () => void this.query(),
      select: (id) => this.selectTrace(id),
    });
    this.head = new TraceHead(state, (type) => this.action(type));
    this.waterfall = new WaterfallView(state, {
      select: (spanId) => this.selectSpan(spanId),
      toggled: () => this.save(),
      rendered: () => this.head.render(),
    });
    this.details = new DetailsView(state, {
      taskInfo: async (taskId) => {
        const m = await this.channel.request({ type: 'taskInfo', taskId });
        return { taskId: m.taskId, kept: m.kept, ...(m.status !== undefined ? { status: m.status } : {}) };
      },
      openResult: (taskId) => this.ask(this.channel.request({ type: 'openTaskResult', taskId })),
    });

    const splitter = h('div', { class: 'splitter', role: 'separator', 'aria-orientation': 'horizontal', tabindex: -1 });
    const main = h('section', { class: 'main-pane' }, this.head.element, this.waterfall.element, splitter, this.details.element);
    this.toast = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: true });
    root.classList.add('traces');
    root.append(this.list.toolbar, this.list.pane, main, this.toast);
    installSplitter(splitter, main);

    this.head.render();
    this.details.render(undefined);
    const saved = parseWebviewState(this.channel.getState());
    if (saved) {
      state.restore(saved);
      this.list.syncControls();
    }
    this.channel.request({ type: 'ready', ...(saved ? { state: saved } : {}) }).then(
      (init) => {
        state.applyInit(init);
        // the filter controls (web components) re-render after the rows are on screen
        requestAnimationFrame(() => setTimeout(() => this.list.syncControls(), 0));
        this.list.render();
        if (state.detail) this.showDetail();
        else this.waterfall.render();
        this.save();
      },
      (err: Error) => this.showToast(err.message, true),
    );
  }

  // ---- host messages that answer no request -------------------------------------------------------

  private onPush(m: HostMessage): void {
    switch (m.type) {
      case 'traces':
        // Show Traces for an agent while the view is open: a new filter and its list
        this.queryToken++;
        this.state.applyTraces(m);
        this.list.syncControls();
        this.list.render();
        this.save();
        return;
      case 'traceUpdated': {
        const effect = this.state.applyUpdate(m);
        if (effect.newAgent) this.list.syncAgentOptions();
        this.list.schedule();
        if (effect.detailChanged) this.waterfall.scheduleRelayout(() => this.details.render(this.waterfall.layout));
        else if (effect.follow) this.selectTrace(effect.follow);
        this.updateTicker();
        return;
      }
      case 'error':
        this.showToast(m.message, true);
        return;
      default:
        // a late reply to a request nobody waits for any more
        return;
    }
  }

  // ---- requests ----------------------------------------------------------------------------------

  private setFilter(filter: TraceFilter): void {
    this.state.filter = cleanFilter(filter);
    this.save();
    void this.query();
  }

  private async query(): Promise<void> {
    const token = ++this.queryToken;
    try {
      const m = await this.channel.request({ type: 'query', filter: this.state.filter });
      if (token !== this.queryToken) return; // a newer query is on its way
      this.state.applyTraces(m);
      this.list.syncControls();
      this.list.render();
      this.save();
    } catch (err) {
      this.showToast((err as Error).message, true);
    }
  }

  selectTrace(traceId: string): void {
    if (!this.state.selectTrace(traceId)) return;
    const token = ++this.selectToken;
    this.list.refresh();
    this.waterfall.render('Loading…');
    this.save();
    this.channel.request({ type: 'selectTrace', traceId }).then(
      (m) => {
        if (token !== this.selectToken) return;
        this.state.setDetail(m.trace, m.spans, this.state.selectedSpanId);
        this.showDetail();
      },
      (err: Error) => {
        if (token === this.selectToken) {
          this.state.detail = undefined;
          this.waterfall.render();
        }
        this.showToast(err.message, true);
      },
    );
  }

  /** Draws the state's detail: waterfall, first span selected if none is, details, list selection. */
  private showDetail(): void {
    this.waterfall.relayout();
    if (this.state.selectedSpanId === undefined) {
      const first = this.waterfall.firstSpanId();
      if (first !== undefined) {
        this.state.selectedSpanId = first;
        this.waterfall.refresh();
      }
    }
    this.details.render(this.waterfall.layout);
    this.list.refresh();
    this.save();
    this.updateTicker();
  }

  private selectSpan(spanId: string): void {
    if (!this.state.selectSpan(spanId)) return;
    this.waterfall.refresh();
    this.details.render(this.waterfall.layout);
    this.save();
  }

  private action(type: TraceAction): Promise<void> {
    const traceId = this.state.selectedTraceId;
    return traceId ? this.ask(this.channel.request({ type, traceId })) : Promise.resolve();
  }

  /** An action's ack: its message (if any) as a toast; an error reply as an error toast. */
  private async ask(reply: Promise<{ message?: string }>): Promise<void> {
    try {
      const { message } = await reply;
      if (message) this.showToast(message, false);
    } catch (err) {
      this.showToast((err as Error).message, true);
    }
  }

  private save(): void {
    this.channel.setState(this.state.saved());
  }

  // ---- misc ----------------------------------------------------------------------------------------

  /** While something runs, redraw its growing durations. */
  private updateTicker(): void {
    if (!this.state.isLive() || this.ticker) return;
    this.ticker = window.setInterval(() => {
      const detailOpen = !!this.state.detail?.trace.open;
      if (detailOpen) this.waterfall.scheduleRelayout(() => this.details.render(this.waterfall.layout));
      if (this.state.traces.some((t) => t.open)) this.list.refresh();
      else if (!detailOpen) {
        clearInterval(this.ticker);
        this.ticker = 0;
      }
    }, TICK_MS);
  }

  private showToast(message: string, error: boolean): void {
    this.toast.replaceChildren(icon(error ? 'error' : 'info'), h('span', { text: message }));
    this.toast.classList.toggle('err', error);
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => (this.toast.hidden = true), error ? ERROR_TOAST_MS : TOAST_MS);
  }
}

/** The bar between the waterfall and the details: drag to resize the details. */
function installSplitter(splitter: HTMLElement, main: HTMLElement): void {
  splitter.addEventListener('pointerdown', (e) => {
    splitter.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => {
      const rect = main.getBoundingClientRect();
      const px = Math.min(rect.height - 120, Math.max(60, rect.bottom - ev.clientY));
      main.style.setProperty('--details-h', `${px}px`);
    };
    const up = () => {
      splitter.removeEventListener('pointermove', move);
      splitter.removeEventListener('pointerup', up);
    };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', up);
  });
}
