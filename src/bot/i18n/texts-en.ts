// English texts.
import type { Texts } from "./texts.js";

export const textsEn: Texts = {
  start: "Hi! I am Saiga, an assistant running on a local model. Ask me anything.\nCommands: /help",
  help: (admin) =>
    [
      "Write a message and I will answer. In groups, call me by name, @mention me or reply to my message.",
      "",
      "/reset — start the conversation over",
      "/system [text] — show or set the system prompt (/system reset restores the default)",
      "/params — temperature, top-p, answer length",
      "/stop — stop the answer",
      "/lang ru|en — bot language",
      "Under an answer: 👍 👎 rate it, 🔄 another answer, 🛑 stop.",
      ...(admin
        ? [
            "",
            "Admin:",
            "/stats — queue, speed, chats, feedback, model",
            "/ban ID, /unban ID — ban or unban a user",
            "/quota ID N — a user's daily token limit (0 = no limit)",
            "/train, /adapters, /activate VERSION, /rollback — fine-tuning",
          ]
        : []),
    ].join("\n"),
  textOnly: "I only understand text. Please write your question in words.",
  tooLong: (length, limit) =>
    `Your message is too long: ${length} characters, and I accept at most ${limit}. Shorten it or split it up.`,
  rateLimited: (seconds) => `Too many messages in a row. You can write again in ${seconds} s.`,
  quotaExceeded: (used, limit, minutes) =>
    `You have used today's limit (${used} of ${limit} tokens). You can write again in ${formatDuration(minutes)}, at 00:00 UTC.`,
  queued: (position) => `⏳ You are number ${position} in the queue. Your answer starts soon.`,
  answerFailed: "Sorry, I could not answer: something broke on the server. Please try again a bit later.",
  emptyAnswer: "(empty answer)",
  stoppedMark: "⏹ Stopped",
  resetDone: "Starting over: I have forgotten our conversation.",
  systemShow: (prompt, own) =>
    `${own ? "This chat's system prompt" : "System prompt (default)"}:\n\n${prompt}\n\n` +
    "Change it: /system new text. Restore the default: /system reset",
  systemSet: "System prompt changed. It applies from the next answer.",
  systemReset: "Restored the default system prompt.",
  systemTooLong: (limit) => `The system prompt is too long: at most ${limit} characters.`,
  paramsTitle: (v) =>
    `Answer settings:\ntemperature ${v.temperature}, top-p ${v.topP}, up to ${v.maxTokens} tokens.\nChoose:`,
  paramsReset: "Reset",
  paramsSaved: "Saved",
  stopDone: "Stopped.",
  stopNothing: "There is nothing to stop.",
  langShow: (current) => `Language: ${current}. Change it: /lang ru or /lang en`,
  langSet: "I will speak English now.",
  notAdmin: "This command is for the bot's admins only.",
  groupAdminsOnly: "Only the group's admins can change its settings.",
  stats: (s) =>
    [
      "📊 Stats",
      `Queue: ${s.waiting} waiting, ${s.active} generating, ${s.delayed} delayed`,
      `Speed: ${s.tokensPerSecond === null ? "—" : `${s.tokensPerSecond.toFixed(1)} tok/s`}`,
      `Chats: ${s.chats}`,
      `Feedback: 👍 ${s.votesUp}, 👎 ${s.votesDown}, 🔄 ${s.regenerated}`,
      `Model: ${s.model ?? "—"}`,
      `Adapter: ${s.adapter ?? "none (base model)"}`,
    ].join("\n"),
  banUsage: "Usage: /ban ID or /unban ID (a numeric Telegram user id, or api:NAME for an API key).",
  banned: (id, already) => (already ? `User ${id} is already banned.` : `User ${id} is banned.`),
  unbanned: (id, was) => (was ? `User ${id} is unbanned.` : `User ${id} was not banned.`),
  quotaUsage: "Usage: /quota ID N — a user's daily token limit (0 = no limit).",
  quotaSet: (id, tokens) =>
    tokens === 0 ? `User ${id} now has no daily limit.` : `User ${id}'s daily limit: ${tokens} tokens.`,
  trainingQueued: (jobId) =>
    `Training queued (job ${jobId}). The new adapter goes live by itself if it passes the evaluation: /adapters`,
  noAdapters: "No adapters yet: the base model answers.",
  activateUsage: "Usage: /activate VERSION (versions: /adapters).",
  adapterActive: (version) =>
    version === null
      ? "The base model (no adapter) answers now."
      : `Adapter ${version} is active on every engine.`,
  nothingToRollBack: "There is nothing to roll back to.",
  voteThanks: "Thanks for the feedback!",
  voteExpired: "This answer is too old to be rated.",
  regenerateOnlyLast: "Only the last answer can be rewritten.",
  regenerating: "Writing another answer…",
  stopping: "Stopping…",
  buttonStop: "🛑 Stop",
  buttonReset: "Reset",
  commands: {
    start: "Get started",
    help: "What I can do",
    reset: "Start the conversation over",
    system: "Show or set the system prompt",
    params: "Temperature, top-p, answer length",
    stop: "Stop the answer",
    lang: "Bot language (ru, en)",
    stats: "Stats (admin)",
    ban: "Ban a user (admin)",
    unban: "Unban a user (admin)",
    quota: "Daily token limit (admin)",
    train: "Fine-tune an adapter (admin)",
    adapters: "Adapter versions (admin)",
    activate: "Activate an adapter version (admin)",
    rollback: "Back to the previous adapter (admin)",
  },
};

function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
