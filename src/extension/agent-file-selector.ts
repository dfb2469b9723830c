import { WORKSPACE_AGENT_GLOBS } from '../core';

/** Agent files as VS Code sees them: the catalog's own globs (our files, VS Code's, Claude Code's). */
export const AGENT_DOCUMENT_SELECTOR = WORKSPACE_AGENT_GLOBS.map((pattern) => ({ scheme: 'file', pattern }));
