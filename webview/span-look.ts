/** How a span and a status look: icon, bar class, label. Shared by the list, waterfall and details views. */
import type { Span, SpanStatusCode } from '../src/shared/trace-protocol';
import { icon } from './dom';

/** What a span is, for its icon and bar style. */
export function spanKind(s: Span): { icon: string; cls: string } {
  const n = s.name;
  if (n.startsWith('aop.invoke')) return { icon: 'hubot', cls: 'k-invoke' };
  if (n.startsWith('aop.remote')) return { icon: 'remote', cls: 'k-remote' };
  if (n.startsWith('aop.attempt')) {
    const k = Number(n.slice('aop.attempt'.length));
    return { icon: k > 1 ? 'debug-restart' : 'play', cls: k > 1 ? 'k-attempt k-retry' : 'k-attempt' };
  }
  if (n.startsWith('aop.backoff')) return { icon: 'watch', cls: 'k-backoff' };
  if (n.startsWith('aop.queue')) return { icon: 'history', cls: 'k-queue' };
  if (n.startsWith('aop.model')) return { icon: 'sparkle', cls: 'k-model' };
  if (n.startsWith('aop.validate')) return { icon: 'check-all', cls: 'k-validate' };
  return { icon: s.kind === 'client' ? 'arrow-swap' : 'symbol-event', cls: 'k-other' };
}

export function statusIcon(status: SpanStatusCode, open: boolean): HTMLSpanElement {
  if (open) return icon('loading', 'codicon-modifier-spin st-open');
  if (status === 'error') return icon('error', 'st-error');
  if (status === 'ok') return icon('pass-filled', 'st-ok');
  return icon('circle-large-outline', 'st-unset');
}

export function statusLabel(status: SpanStatusCode, open: boolean): string {
  return open ? 'running' : status === 'error' ? 'error' : status === 'ok' ? 'ok' : 'unset';
}

export function attrString(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(', ') : String(v);
}
