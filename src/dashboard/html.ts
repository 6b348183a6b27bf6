// Server-rendered HTML without an injection hole: the `html` tag escapes every value it is given
// unless it is already HTML (another `html` result or `rawHtml`), and joins lists.

/** A piece of HTML that is safe to send as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Trusted markup as it is (a constant of ours, never user input). */
export function rawHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/**
 * The HTML template tag: `html\`<td>${name}</td>\`` escapes `name`; nested `html` results, lists
 * of them, and null/undefined/false (nothing) are inserted as they are.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += htmlOf(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

function htmlOf(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(htmlOf).join("");
  return escapeHtml(String(value));
}
