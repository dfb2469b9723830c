/** Tiny DOM helpers (no framework: the rows of the virtual lists are reused, not re-rendered). */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined> | null;

/** An element; `class` sets className, `text` textContent, booleans toggle attributes. Never `style` (CSP). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === undefined || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A codicon glyph (the font is the page's codicon.css). */
export function icon(name: string, extra = ''): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = `codicon codicon-${name}${extra ? ` ${extra}` : ''}`;
  el.setAttribute('aria-hidden', 'true');
  return el;
}

/** Sets textContent only when it changed (rows are rebound on every scroll frame). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setClass(el: Element, cls: string): void {
  if (el.className !== cls) el.className = cls;
}
