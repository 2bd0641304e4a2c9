/**
 * The ranking page's HTML, apart from the vscode API so that tests can check
 * it. No data from the workspace or the server ever reaches it: the page is a
 * fixed template, and the only values put in are the webview's CSP source, a
 * fresh nonce and the two asset URIs, each escaped for its attribute.
 */
import { randomBytes } from 'node:crypto';

export interface PageAssets {
  /** `webview.cspSource`: where the stylesheet may come from. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of media/dist/ranking.js and media/ranking/ranking.css. */
  scriptUri: string;
  styleUri: string;
  /** Defaults to 18 random bytes in base64, new for every page. */
  nonce?: string;
}

/** Escapes text for a double-quoted HTML attribute value. */
export function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}

/**
 * The Content Security Policy: nothing by default; the one script by nonce
 * (no inline script, no eval); styles only from the extension's files; images
 * and fonts not at all (the bars are inline SVG elements the script builds).
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none';`;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export function rankingPageHtml(assets: PageAssets): string {
  const nonce = assets.nonce ?? newNonce();
  const csp = contentSecurityPolicy(assets.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(assets.styleUri)}">
<title>ECI_sem Ranking</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${attr(nonce)}" src="${attr(assets.scriptUri)}"></script>
</body>
</html>`;
}
