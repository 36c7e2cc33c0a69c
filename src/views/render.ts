import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** A whole HTML page from a typed template; every interpolated value is escaped by the renderer. */
export function renderPage(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

/** A fragment (an SVG chart, a table) for embedding in a page's markup. */
export function renderFragment(node: VNode): string {
  return renderToString(node);
}
