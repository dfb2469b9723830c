import * as vscode from 'vscode';
import { type ChatModel, type ChatRequest, type ChatResponse, ModelError, MAX_TOOL_CALLS_PER_TURN, type ChatTurn, type ToolCall } from '../core';

/**
 * Tool-loop turns as vscode.lm messages: the assistant's tool calls, then ONE User message with the
 * results of all of them (as chat itself sends them; some models refuse a tool call whose result is
 * not in the next message).
 */
export function editorHistory(history: readonly ChatTurn[]): vscode.LanguageModelChatMessage[] {
  const out: vscode.LanguageModelChatMessage[] = [];
  let results: vscode.LanguageModelToolResultPart[] = [];
  const flush = () => {
    if (results.length) out.push(vscode.LanguageModelChatMessage.User(results));
    results = [];
  };
  for (const turn of history) {
    if (turn.role === 'assistant') {
      flush();
      const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [];
      if (turn.content) parts.push(new vscode.LanguageModelTextPart(turn.content));
      for (const c of turn.toolCalls) parts.push(new vscode.LanguageModelToolCallPart(c.id, c.name, parseInput(c.arguments)));
      out.push(vscode.LanguageModelChatMessage.Assistant(parts));
    } else {
      results.push(new vscode.LanguageModelToolResultPart(turn.toolCallId, [new vscode.LanguageModelTextPart(turn.content)]));
    }
  }
  flush();
  return out;
}

function parseInput(text: string): object {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as object) : {};
  } catch {
    return {};
  }
}

/**
 * `provider: editor`: the agent runs on a language model of the editor (vscode.lm). There is no
 * system role, so the system prompt goes first as a User message; the answer streams; the
 * cancellation token follows the request's AbortSignal.
 */
export class EditorChatModel implements ChatModel {
  readonly id = 'vscode.lm';
  /** Tool loop on vscode.lm: `tools` in the request options, `LanguageModelToolCallPart` → `LanguageModelToolResultPart`. */
  readonly supportsTools = true;

  constructor(private readonly defaultFamily: () => string | undefined) {}

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const model = await this.pick(request.model);
    const cts = new vscode.CancellationTokenSource();
    const onAbort = () => cts.cancel();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const messages = [
        vscode.LanguageModelChatMessage.User(request.system),
        vscode.LanguageModelChatMessage.User(request.task),
        ...editorHistory(request.history ?? []),
      ];
      const response = await model.sendRequest(
        messages,
        {
          justification: 'An AOP agent of this workspace was invoked and runs on this model.',
          ...(request.tools?.length
            ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters })) }
            : {}),
        },
        cts.token,
      );
      let text = '';
      const toolCalls: ToolCall[] = [];
      for await (const part of response.stream) {
        if (request.signal.aborted) break;
        if (part instanceof vscode.LanguageModelTextPart) {
          text += part.value;
          request.onText?.(part.value);
        } else if (part instanceof vscode.LanguageModelToolCallPart && toolCalls.length < MAX_TOOL_CALLS_PER_TURN) {
          toolCalls.push({ id: part.callId, name: part.name, arguments: JSON.stringify(part.input ?? {}) });
        }
      }
      if (request.signal.aborted) throw request.signal.reason ?? new Error('cancelled');
      return { text, model: model.id, ...(toolCalls.length ? { toolCalls } : {}) };
    } catch (err) {
      if (request.signal.aborted) throw err;
      throw mapLanguageModelError(err, model.id);
    } finally {
      request.signal.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  private async pick(wanted: string | undefined): Promise<vscode.LanguageModelChat> {
    const tries: vscode.LanguageModelChatSelector[] = [];
    if (wanted) tries.push({ id: wanted }, { family: wanted });
    const family = this.defaultFamily();
    if (family) tries.push({ family });
    tries.push({});
    for (const selector of tries) {
      const models = await vscode.lm.selectChatModels(selector);
      if (models.length) return models[0];
    }
    throw new ModelError(
      'no language model is available in this editor: sign in to a chat model provider (e.g. GitHub Copilot), ' +
        'or give the agent `provider: openai` or `provider: command`',
      false,
    );
  }
}

export function mapLanguageModelError(err: unknown, model: string): ModelError {
  if (err instanceof vscode.LanguageModelError) {
    switch (err.code) {
      case vscode.LanguageModelError.NoPermissions.name:
        return new ModelError(`not allowed to use ${model}: allow AOP Agents to use language models when VS Code asks (${err.message})`, false);
      case vscode.LanguageModelError.Blocked.name:
        return new ModelError(`${model} blocked the request (quota or policy): ${err.message}`, true);
      case vscode.LanguageModelError.NotFound.name:
        return new ModelError(`language model ${model} was not found: ${err.message}`, false);
      default:
        return new ModelError(`${model} failed: ${err.message}`, true);
    }
  }
  return new ModelError(`${model} failed: ${err instanceof Error ? err.message : String(err)}`, true);
}
