// A table of the dashboard's pages: the column headings, then rows a page renders; it scrolls
// sideways on a narrow (phone) screen instead of widening the page.
import { html, type SafeHtml } from "./html.js";

/** `<table>` with `headings` (empty for a column without one) and `rows` (`<tr>` elements). */
export function dataTable(headings: readonly string[], rows: readonly SafeHtml[]): SafeHtml {
  return html`<div class="table-wrap">
    <table>
      <thead>
        <tr>
          ${headings.map((heading) => html`<th>${heading}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
