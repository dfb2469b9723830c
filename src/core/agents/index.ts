export * from './definition';
export { parseAgentFile, agentId, type ParseAgentOptions, type ParseAgentResult } from './parse';
export { AgentCatalog, type AgentCatalogEvents, type AgentCatalogOptions } from './catalog';
export { duplicateNameDiagnostic, resolveAgentNames, type NameResolution } from './agent-names';
export { DEFAULT_AGENT_EXCLUDE, DEFAULT_AGENT_INCLUDE, WORKSPACE_AGENT_GLOBS, sourceKindOf } from './agent-files';
export { findProgram, splitCommandLine } from './command-line';
export type { SourceRange } from './source-text';
export * from './key-docs';
