// Final-message rendering: model Markdown to Telegram HTML, checked against the emulator's port of
// Telegram's HTML parser, and the splitting of long answers into message-sized parts.
import type { MessageEntity } from "grammy/types";
import { describe, expect, it } from "vitest";
import { markdownToTelegramHtml, visibleLength } from "../src/bot/render/markdown-to-telegram-html.js";
import { splitMessage } from "../src/bot/render/split-message.js";
import { parseHtml } from "./helpers/bot-api-emulator/parse-html.js";

/** A small seeded generator (mulberry32), so that a failing fuzz case can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const inside = (inner: MessageEntity, outer: MessageEntity): boolean =>
  inner !== outer &&
  inner.offset >= outer.offset &&
  inner.offset + inner.length <= outer.offset + outer.length;

/**
 * Renders `markdown` and checks what Telegram would check: the HTML parses, nothing sits inside code
 * or pre, no text link holds code, and the visible text is as long as visibleLength says and never
 * longer than the Markdown.
 */
function renderChecked(markdown: string): string {
  const html = markdownToTelegramHtml(markdown);
  let parsed;
  try {
    parsed = parseHtml(html);
  } catch (error) {
    throw new Error(`${String(error)}\nmarkdown: ${JSON.stringify(markdown)}\nhtml: ${JSON.stringify(html)}`);
  }
  for (const outer of parsed.entities) {
    for (const inner of parsed.entities) {
      if (!inside(inner, outer)) continue;
      const bad =
        outer.type === "code" ||
        outer.type === "pre" ||
        (outer.type === "text_link" && inner.type === "code") ||
        (outer.type === "blockquote" && inner.type === "blockquote");
      expect(bad, `${inner.type} inside ${outer.type}: ${JSON.stringify(html)}`).toBe(false);
    }
  }
  expect(visibleLength(html)).toBe(parsed.text.length);
  expect(parsed.text.length).toBeLessThanOrEqual(markdown.replace(/\r\n?/g, "\n").length);
  return html;
}

describe("markdownToTelegramHtml", () => {
  it.each([
    ["**bold** and __bold__", "<b>bold</b> and <b>bold</b>"],
    ["*italic* and _italic_", "<i>italic</i> and <i>italic</i>"],
    ["~~gone~~, ~5 min", "<s>gone</s>, ~5 min"],
    ["***both***", "<i><b>both</b></i>"],
    ["**bold *and italic* inside**", "<b>bold <i>and italic</i> inside</b>"],
    ["**Важно:** не _забыть_.", "<b>Важно:</b> не <i>забыть</i>."],
    ["`a < b && c`", "<code>a &lt; b &amp;&amp; c</code>"],
    ["`` `tick` ``", "<code>`tick`</code>"],
    ["`**not bold**`", "<code>**not bold**</code>"],
    ["[site](https://example.com/a?b=1&c=2)", '<a href="https://example.com/a?b=1&amp;c=2">site</a>'],
    ["[**bold** link](http://x.y)", '<a href="http://x.y"><b>bold</b> link</a>'],
    ["[call `f()`](http://x.y/(a))", '<a href="http://x.y/(a)">call f()</a>'],
    ["# Title", "<b>Title</b>"],
    ["### **Bold** title ###", "<b>Bold title</b>"],
    ["> quoted\n> **line**", "<blockquote>quoted\n<b>line</b></blockquote>"],
    [">> nested\n> - item", "<blockquote>nested\n• item</blockquote>"],
    ["- one\n* two\n+ three\n  - nested", "• one\n• two\n• three\n  • nested"],
    ["1. first\n2) second", "1. first\n2) second"],
    ["---", "———"],
    ["a < b > c & d &amp;", "a &lt; b &gt; c &amp; d &amp;amp;"],
    ["\\*not italic\\* \\_x\\_", "*not italic* _x_"],
    ["Text\n\n\nafter blank lines", "Text\n\n\nafter blank lines"],
    ["#hashtag stays", "#hashtag stays"],
  ])("%j", (markdown, html) => {
    expect(renderChecked(markdown)).toBe(html);
  });

  it("renders fenced code with its language and formats nothing inside", () => {
    expect(renderChecked("Before\n```python\nif a < b and **c**:\n    print('&')\n```\nAfter")).toBe(
      "Before\n<pre><code class=\"language-python\">if a &lt; b and **c**:\n    print('&amp;')</code></pre>\nAfter",
    );
    expect(renderChecked("```\nplain\n```")).toBe("<pre>plain</pre>");
    expect(renderChecked('```"><x\ncode\n```')).toBe("<pre>code</pre>");
    expect(renderChecked("- list\n  ```js\n  indented()\n  ```")).toBe(
      '• list\n<pre><code class="language-js">indented()</code></pre>',
    );
    expect(renderChecked("````md\n```\ninner\n```\n````")).toBe(
      '<pre><code class="language-md">```\ninner\n```</code></pre>',
    );
  });

  it("takes an unclosed fence as code to the end", () => {
    expect(renderChecked("Look:\n```ts\nconst a = 1;\n**b**")).toBe(
      'Look:\n<pre><code class="language-ts">const a = 1;\n**b**</code></pre>',
    );
  });

  it("takes ``` inside a line as inline code, not a fence", () => {
    expect(renderChecked("```js x()```")).toBe("<code>js x()</code>");
  });

  it("leaves markers inside words alone", () => {
    expect(renderChecked("snake_case_names and 2*3*4 and a__b__c")).toBe(
      "snake_case_names and 2*3*4 and a__b__c",
    );
    expect(renderChecked("file_name.py: _yes_")).toBe("file_name.py: <i>yes</i>");
  });

  it.each([
    "**unmatched bold",
    "bold** at the end",
    "a ** b ** c",
    "_open only",
    "~~strike only",
    "`unclosed code",
    "[x](",
    "[x](http://a.b",
    "[text](javascript:alert(1))",
    '[quote](http://a.b/"onclick="x)',
    "[quote](http://a.b/'x')",
    '[title](http://a.b "Title")',
    "[](http://a.b)",
    "[no url]",
    "](http://x.y)",
    "<b>not a tag</b>",
  ])("keeps %j literal", (markdown) => {
    const html = renderChecked(markdown);
    expect(parseHtml(html)).toEqual({ text: markdown, entities: [] });
  });

  it("only ever produces HTML that Telegram accepts (seeded fuzz)", () => {
    const fragments = [
      "**",
      "*",
      "_",
      "__",
      "~~",
      "~",
      "`",
      "``",
      "```",
      "```py",
      "[a](",
      "](http://x.y)",
      "](https://x.y/?a=1&b=2)",
      "[",
      "]",
      "(",
      ")",
      "<",
      ">",
      "&",
      "&amp;",
      "&lt",
      '"',
      "'",
      "\\",
      "\n",
      "\n\n",
      "# ",
      "> ",
      "- ",
      "* ",
      "1. ",
      "---",
      " ",
      "  ",
      "word",
      "слово",
      "snake_case",
      "2*3",
      "😀",
      "👍🏽",
      ".",
      "!",
    ];
    const random = seededRandom(20240611);
    for (let n = 0; n < 2000; n++) {
      const count = 1 + Math.floor(random() * 40);
      let markdown = "";
      for (let k = 0; k < count; k++) markdown += fragments[Math.floor(random() * fragments.length)];
      renderChecked(markdown);
      for (const part of splitMessage(markdown, 24)) {
        expect(part.length).toBeLessThanOrEqual(24);
        renderChecked(part);
      }
    }
  });
});

describe("visibleLength", () => {
  it("counts text after tags are removed and entities decoded, in UTF-16 units", () => {
    expect(visibleLength('<b>a</b> &lt;&gt;&amp;&quot; <a href="http://x.y?a=1&amp;b=2">😀</a>')).toBe(9);
    expect(visibleLength("&#128512;&#x41;&unknown;")).toBe(3 + "&unknown;".length);
  });
});

describe("splitMessage", () => {
  const limit = 4096;

  /** A paragraph of numbered sentences, about `length` characters long. */
  function paragraph(random: () => number, length: number): string {
    const sentences: string[] = [];
    let size = 0;
    while (size < length) {
      const words = Array.from(
        { length: 4 + Math.floor(random() * 12) },
        () => "lorem ipsum dolor sit amet consectetur adipiscing elit".split(" ")[Math.floor(random() * 8)],
      );
      const sentence = `Sentence ${words.join(" ")}${"..!?"[Math.floor(random() * 4)]}`;
      sentences.push(sentence);
      size += sentence.length + 1;
    }
    return sentences.join(" ");
  }

  const withoutSpace = (text: string): string => text.replace(/\s+/g, "");

  it("gives no parts for empty or blank input, and one part for a short one", () => {
    expect(splitMessage("")).toEqual([]);
    expect(splitMessage("\n \n\t\n")).toEqual([]);
    expect(splitMessage("\n\nHello\n\n")).toEqual(["Hello"]);
  });

  it("prefers paragraph breaks, then line breaks, sentence ends, spaces", () => {
    expect(splitMessage("First paragraph.\n\nSecond one here.", 20)).toEqual([
      "First paragraph.",
      "Second one here.",
    ]);
    expect(splitMessage("Line one. Still\nline two", 20)).toEqual(["Line one. Still", "line two"]);
    expect(splitMessage("One sentence. Another one here", 20)).toEqual(["One sentence.", "Another one here"]);
    expect(splitMessage("words without any end here", 20)).toEqual(["words without any", "end here"]);
    expect(splitMessage("abcdefghijklmnopqrstuvwxyz", 10)).toEqual(["abcdefghij", "klmnopqrst", "uvwxyz"]);
  });

  it("splits 10,000 characters of paragraphs at paragraph breaks", () => {
    const random = seededRandom(7);
    const paragraphs: string[] = [];
    while (paragraphs.join("\n\n").length < 10_000) paragraphs.push(paragraph(random, 300 + random() * 600));
    const text = paragraphs.join("\n\n");
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const [n, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(limit);
      expect(part.length).toBeGreaterThan(n < parts.length - 1 ? limit / 2 : 0);
      expect(paragraphs).toContain(part.split("\n\n")[0]);
      expect(paragraphs).toContain(part.split("\n\n").at(-1));
      expect(visibleLength(renderChecked(part))).toBeLessThanOrEqual(limit);
    }
    expect(parts.join("\n\n")).toBe(text);
  });

  it("splits one long paragraph at sentence ends", () => {
    const text = paragraph(seededRandom(11), 10_000);
    const parts = splitMessage(text);
    expect(parts.length).toBe(3);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(limit);
      expect(part).toMatch(/^Sentence .*[.!?]$/s);
      expect(visibleLength(renderChecked(part))).toBeLessThanOrEqual(limit);
    }
    expect(withoutSpace(parts.join(""))).toBe(withoutSpace(text));
    expect(parts.join(" ")).toBe(text);
  });

  it("hard-cuts text with no spaces, never inside a surrogate pair", () => {
    const text = "x".repeat(10_000);
    expect(splitMessage(text).map((part) => part.length)).toEqual([4096, 4096, 1808]);
    expect(splitMessage(text).join("")).toBe(text);

    const emoji = "a" + "😀".repeat(5000);
    const parts = splitMessage(emoji);
    expect(parts.join("")).toBe(emoji);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(limit);
      expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it("closes a cut code block and reopens it with its language", () => {
    const code = Array.from({ length: 400 }, (_, n) => `    value_${n} = compute(${n}) * 2  # step ${n}`);
    const text = `Here is the program:\n\n\`\`\`python\n${code.join("\n")}\n\`\`\`\n\nThat is all.`;
    expect(text.length).toBeGreaterThan(2 * limit);
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    const codeLines: string[] = [];
    for (const [n, part] of parts.entries()) {
      expect(part.length).toBeLessThanOrEqual(limit);
      const lines = part.split("\n");
      if (n > 0) expect(lines[0]).toBe("```python");
      if (n < parts.length - 1) expect(lines.at(-1)).toBe("```");
      const html = renderChecked(part);
      expect(html).toContain('<pre><code class="language-python">');
      expect(visibleLength(html)).toBeLessThanOrEqual(limit);
      const start = lines.indexOf("```python");
      codeLines.push(...lines.slice(start + 1, lines.indexOf("```", start + 1)));
    }
    expect(codeLines).toEqual(code);
    expect(parts[0]!.startsWith("Here is the program:\n\n```python\n")).toBe(true);
    expect(parts.at(-1)!.endsWith("```\n\nThat is all.")).toBe(true);
  });

  it("keeps small parts within the limit with fences, and drops a block left empty", () => {
    expect(splitMessage("```js\nline one\nline two\n```\nafter", 20)).toEqual([
      "```js\nline one\n```",
      "```js\nline two\n```",
      "after",
    ]);
    expect(splitMessage("```\nunclosed code that goes on", 16)).toEqual([
      "```\nunclosed\n```",
      "```\ncode\n```",
      "```\nthat goes on",
    ]);
  });
});
