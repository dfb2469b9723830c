export * from './types';
export { isAbortError } from './abort';
export { OpenAiChatModel } from './openai';
export { CommandChatModel } from './command';
export { InstantChatModel } from './instant';
export { createModelResolver } from './resolver';
