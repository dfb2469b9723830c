import { WORKSPACE_AGENT_GLOBS } from '../core';

/**
 * Agent files as VS Code sees them: the catalog's own globs (our files, VS Code's, Claude Code's).
 * A function, not a constant: the core's values come from the host bundle, which loads after
 * activation (esbuild.mjs), so nothing here reads them at module load.
 */
export const agentDocumentSelector = () => WORKSPACE_AGENT_GLOBS.map((pattern) => ({ scheme: 'file', pattern }));
