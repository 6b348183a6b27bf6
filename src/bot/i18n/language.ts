// Which language the bot speaks to someone: the chat's /lang choice, else the user's Telegram
// language (Russian for the languages of Russian speakers, English for the rest), else Russian.
import { textsEn } from "./texts-en.js";
import { textsRu } from "./texts-ru.js";
import type { Texts } from "./texts.js";

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

const TEXTS: Record<Language, Texts> = { ru: textsRu, en: textsEn };

/** Telegram language codes whose speakers most likely read Russian. */
const RUSSIAN_READERS = new Set(["ru", "uk", "be", "kk", "ky", "uz", "tg", "hy", "az"]);

/** True for a language the bot speaks. */
export function isLanguage(value: string | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? "");
}

/** The language for a chat setting (from /lang) and a Telegram `language_code`. */
export function chooseLanguage(chosen: string | undefined, telegramCode: string | undefined): Language {
  if (isLanguage(chosen)) return chosen;
  if (!telegramCode) return "ru";
  const base = telegramCode.toLowerCase().split("-")[0] ?? "";
  return RUSSIAN_READERS.has(base) ? "ru" : "en";
}

/** The texts of a language. */
export function textsOf(language: Language): Texts {
  return TEXTS[language];
}
