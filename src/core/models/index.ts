export * from './types';
export { abortError, isAbortError, throwIfAborted } from './abort';
export { OpenAiChatModel, imageUrl, type FetchLike, type OpenAiChatModelOptions } from './openai';
export { CommandChatModel, type CommandChatModelOptions } from './command';
export { InstantChatModel, type InstantAnswer, type InstantChatModelOptions } from './instant';
export { createModelResolver, DEFAULT_OPENAI_BASE_URL, type ModelResolverOptions } from './resolver';
