/**
 * The Traces webview's HTML: strict CSP with a nonce. Pure (no `vscode` import) so the bench and
 * the screenshots render exactly what the panel does, from the real `dist/` files.
 */
export interface TraceHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  nonce?: string;
  /** URIs (as the webview sees them) of dist/webview.js, dist/webview.css and dist/codicons/codicon.css. */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  /** Extra inline scripts run before the bundle (tests and bench only: e.g. a stub acquireVsCodeApi). */
  preludeScripts?: string[];
  /** Extra attributes for <body> (tests: theme class). */
  bodyClass?: string;
  /** Inline style text (carries the nonce), e.g. a theme fixture of `--vscode-*` variables. */
  inlineStyle?: string;
}

/** A CSP nonce (Web Crypto, like the window token: no node:crypto in the extension's entry bundle). */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function traceHtml(o: TraceHtmlOptions): string {
  const nonce = o.nonce ?? newNonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${o.cspSource} 'nonce-${nonce}'`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  const prelude = (o.preludeScripts ?? []).map((s) => `<script nonce="${nonce}">${s.replace(/<\/script/gi, '<\\/script')}</script>`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="${esc(csp)}" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${esc(o.codiconUri)}" nonce="${nonce}" />
    <link rel="stylesheet" href="${esc(o.styleUri)}" nonce="${nonce}" />
    ${o.inlineStyle ? `<style nonce="${nonce}">${o.inlineStyle.replace(/<\//g, '<\\/')}</style>` : ''}
    <title>Traces</title>
  </head>
  <body${o.bodyClass ? ` class="${esc(o.bodyClass)}"` : ''}>
    <div id="app" data-testid="traces-app"></div>
    ${prelude}
    <script nonce="${nonce}" src="${esc(o.scriptUri)}"></script>
  </body>
</html>
`;
}
