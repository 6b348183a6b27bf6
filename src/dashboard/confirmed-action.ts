// A button that POSTs one dashboard action after the browser asks `question` (the layout's
// `data-confirm` script), carrying the session's CSRF token and the action's own fields.
import { html, type SafeHtml } from "./html.js";

/** What {@link confirmedAction} renders. */
export interface ConfirmedAction {
  /** The POST route, e.g. `/admin/api/adapters/rollback`. */
  action: string;
  question: string;
  csrf: string;
  /** Hidden fields sent with it. */
  fields?: Record<string, string>;
  label: string;
  /** The button's class (styling, and what tests click). */
  buttonClass: string;
}

export function confirmedAction(options: ConfirmedAction): SafeHtml {
  const fields = Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  return html`<form
    method="post"
    action="${options.action}"
    class="inline"
    data-confirm="${options.question}"
  >
    <input type="hidden" name="_csrf" value="${options.csrf}" />
    ${fields}
    <button type="submit" class="${options.buttonClass}">${options.label}</button>
  </form>`;
}
