// Tasks a text model cannot do: anything that needs seeing, hearing, drawing or files (as the
// self-instruct authors and rulm's blacklist_ru.txt filtered them). A term matches at the start
// of a word, so one stem covers its inflections ("картинк" → картинка, картинку, картинки).

/** Word stems (Russian and English) of things a text-only model cannot see, hear, make or open. */
export const BLACKLIST_STEMS: readonly string[] = [
  // Russian
  "картинк",
  "изображени",
  "фото",
  "видео",
  "аудио",
  "файл",
  "нарису",
  "рисова",
  "рисун",
  "начерти",
  "чертеж",
  "чертёж",
  "график",
  "диаграмм",
  "скриншот",
  "снимок",
  "снимк",
  "прослушай",
  "прикреплён",
  "прикреплен",
  "по ссылке",
  // English
  "image",
  "picture",
  "photo",
  "video",
  "audio",
  "file",
  "draw",
  "graph",
  "chart",
  "diagram",
  "sketch",
  "screenshot",
  "attach",
];

/** Words that begin with a stem but are fine for a text model. */
const ALLOWED_WORDS = /^(?:фотосинтез\p{L}*|photosynthe\p{L}*|graphql|drawbacks?|charter\p{L}*)$/u;

const STEM_AT_WORD_START = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${BLACKLIST_STEMS.map(escapeRegExp).join("|")})[\\p{L}\\p{N}]*`,
  "giu",
);

/** The first blacklisted word in `text` (lowercased), or null when there is none. */
export function blacklistedWord(text: string): string | null {
  for (const match of text.toLowerCase().matchAll(STEM_AT_WORD_START)) {
    if (!ALLOWED_WORDS.test(match[0])) return match[0];
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
