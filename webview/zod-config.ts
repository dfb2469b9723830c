/**
 * Imported first by main.ts: no `new Function` in zod. The webview's CSP has no 'unsafe-eval', and
 * zod's probe for it would be reported as a CSP violation; the interpreted path is what runs anyway.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// English messages (zod/mini ships none): errors say what was expected. Only this locale is bundled.
config({ jitless: true, ...en() });
