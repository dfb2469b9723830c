import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ToolLoopObserver, ToolOutcome } from '../orchestration/tool-loop';
import type { ToolCall } from '../models/tool-types';
import type { ChatResponse } from '../models/types';
import type { InvocationTrace } from './invocation';
import { IO_ATTRIBUTE_CHARS } from './invocation';
import { truncate, type AopSpan } from './tracer';
import { nowMs } from './types';

/** A tool call in flight: its span, for the child calls that nest under it. */
export interface ToolCallSpan {
  span: AopSpan;
  end(outcome: ToolOutcome): void;
}

/**
 * Spans of a tool loop: `aop.turn N` under the attempt, holding `aop.model` (the model call of
 * that turn) and one `aop.tool <name>` per call (arguments and a result excerpt); a child agent's
 * invocation nests under its tool span.
 */
export function toolLoopSpans(trace: InvocationTrace): ToolLoopObserver & { toolCallStarted(turn: number, call: ToolCall): ToolCallSpan } {
  const tracer = trace.spanTracer;
  const turns = new Map<number, { span: AopSpan; modelFrom: number }>();
  return {
    turnStarted(turn) {
      const span = tracer.startChild(`aop.turn ${turn}`, trace.loopParent, { attributes: { 'aop.turn': turn } });
      turns.set(turn, { span, modelFrom: nowMs() });
    },
    modelCalled(turn, response: ChatResponse, firstTokenMs) {
      const t = turns.get(turn);
      if (!t) return;
      const s = tracer.startChild('aop.model', t.span, {
        kind: SpanKind.CLIENT,
        startTime: t.modelFrom,
        attributes: { 'gen_ai.operation.name': 'chat', 'aop.turn': turn, 'aop.tool_calls': response.toolCalls?.length ?? 0 },
      });
      if (response.model) s.setAttribute('gen_ai.response.model', response.model);
      if (response.usage?.inputTokens !== undefined) s.setAttribute('gen_ai.usage.input_tokens', response.usage.inputTokens);
      if (response.usage?.outputTokens !== undefined) s.setAttribute('gen_ai.usage.output_tokens', response.usage.outputTokens);
      if (response.finishReason) s.setAttribute('gen_ai.response.finish_reasons', [response.finishReason]);
      if (firstTokenMs !== undefined) s.setAttribute('aop.model.first_token_ms', Math.round(firstTokenMs * 1000) / 1000);
      s.setStatus({ code: SpanStatusCode.OK });
      s.end();
    },
    toolCallStarted(turn, call) {
      const parent = turns.get(turn)?.span ?? trace.loopParent;
      const span = tracer.startChild(`aop.tool ${call.name}`, parent, {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': call.name,
          'gen_ai.tool.call.id': call.id,
          'aop.turn': turn,
          'aop.tool.arguments': truncate(call.arguments, IO_ATTRIBUTE_CHARS),
        },
      });
      return {
        span,
        end(outcome) {
          span.setAttribute('aop.tool.result', truncate(outcome.text, IO_ATTRIBUTE_CHARS));
          span.setStatus(outcome.isError ? { code: SpanStatusCode.ERROR, message: truncate(outcome.text, 200) } : { code: SpanStatusCode.OK });
          span.end();
        },
      };
    },
    turnFinished(turn, error) {
      const t = turns.get(turn);
      if (!t) return;
      turns.delete(turn);
      if (error !== undefined) t.span.fail(error);
      else t.span.setStatus({ code: SpanStatusCode.OK });
      t.span.end();
    },
  };
}
