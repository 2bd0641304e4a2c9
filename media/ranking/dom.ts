/**
 * The only way the panel makes DOM: elements with static tag and attribute names,
 * text through text nodes. Nothing here parses HTML, so data from the server (texts
 * of triples, source names) can never become markup or script.
 */

type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Tooltip; set as a DOM property, never parsed. */
  title?: string;
  attrs?: Record<string, string>;
}

function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  if (props?.title !== undefined) el.title = props.title;
  for (const [k, v] of Object.entries(props?.attrs ?? {})) el.setAttribute(k, v);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * A horizontal bar as inline SVG: its length is a `width` attribute, not a style,
 * so the strict CSP (no inline styles) holds; colours come from ranking.css.
 */
export function bar(fraction: number, kind: string, label: string): SVGSVGElement {
  const pct = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0)) * 100;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', `bar ${kind}`);
  svg.setAttribute('viewBox', '0 0 100 10');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const track = document.createElementNS(SVG_NS, 'rect');
  track.setAttribute('class', 'track');
  track.setAttribute('width', '100');
  track.setAttribute('height', '10');
  const fill = document.createElementNS(SVG_NS, 'rect');
  fill.setAttribute('class', 'fill');
  fill.setAttribute('width', pct.toFixed(2));
  fill.setAttribute('height', '10');
  svg.append(track, fill);
  return svg;
}

/** Rows act as buttons: Enter/Space activate, arrows move between rows of the same table. */
export function activatable<T extends HTMLElement>(el: T, onActivate: () => void): T {
  el.tabIndex = 0;
  el.addEventListener('click', onActivate);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = e.key === 'ArrowDown' ? el.nextElementSibling : el.previousElementSibling;
      if (next instanceof HTMLElement) {
        e.preventDefault();
        next.focus();
      }
    }
  });
  return el;
}
