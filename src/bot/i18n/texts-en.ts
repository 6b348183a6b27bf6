// English texts.
import type { AbStatsRow, Texts } from "./texts.js";

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
      "/privacy [off|on] — what is kept about you; opt out of (or back into) training",
      "/export — your data as a JSON file; /forget — delete it",
      "/model — which model answers in this chat",
      "Under an answer: 👍 👎 rate it, 🔄 another answer, 🛑 stop.",
      ...(admin
        ? [
            "",
            "Admin:",
            "/stats — queue, speed, chats, feedback, model",
            "/ban ID, /unban ID — ban or unban a user",
            "/quota ID N — a user's daily token limit (0 = no limit)",
            "/train, /adapters, /activate VERSION, /rollback — fine-tuning",
            "/allow ID, /deny ID, /invite — who may use the bot",
            "/ab start VERSION [SHARE], /ab, /ab stop — A/B of an adapter candidate",
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
  accessRefused: (id, pairing) =>
    pairing
      ? `This bot is private. Ask its admin for an invite and send /start CODE. Your id: ${id}`
      : `This bot is private. Ask its admin to allow you. Your id: ${id}`,
  groupNotAllowed: (id) =>
    `Sorry, this bot is not enabled in this group, so I am leaving. An admin can allow it with /allow ${id}`,
  inviteAccepted: "Welcome! Your invite is accepted: write a message and I will answer.",
  inviteInvalid:
    "This invite code is not valid: it was used already, has expired or is mistyped. Ask for a new one.",
  allowUsage: "Usage: /allow ID or /deny ID (a Telegram user id, or a group id, which is negative).",
  accessAllowed: (id, already) => (already ? `${id} is already allowed.` : `${id} is allowed now.`),
  accessDenied: (id, was) => (was ? `${id} is not allowed any more.` : `${id} was not allowed anyway.`),
  inviteCreated: (code, link, expiresAt) =>
    `Invite code: ${code}\nIt admits one user until ${expiresAt} UTC: they send /start ${code} or open\n${link}`,
  inviteNeedsPairing: (policy) =>
    `Invites work only with access.policy: pairing (now: ${policy}). Use /allow ID instead.`,
  privacyShow: (v) =>
    [
      "What this bot keeps about you:",
      `• your chat with the bot: ${v.historyTurns} messages, forgotten after ${v.historyDays} days without messages`,
      `• generation records (the prompt the model saw and its answer): ${v.generationRecords}, kept ${v.recordsDays} days`,
      `• your votes and regenerated answers: ${v.feedback}, kept until you /forget them`,
      v.training
        ? "• training: your votes may be used to fine-tune the model. Opt out: /privacy off"
        : "• training: you opted out, nothing of yours enters a training dataset. Opt back in: /privacy on",
      "Your data as a file: /export. Delete it: /forget",
    ].join("\n"),
  privacyUsage: "Usage: /privacy, /privacy off (keep my data out of training) or /privacy on.",
  privacySet: (training) =>
    training
      ? "Done: your votes may be used for training again."
      : "Done: your votes and chats will not be used for training from now on. An adapter already trained is not changed.",
  forgetConfirm: (group) =>
    group
      ? "Delete your votes and regenerated answers in every chat, and your private chat with the bot? This group's history stays: it belongs to the group."
      : "Delete your chat history with the bot, its generation records and your votes? This cannot be undone.",
  forgetDone: (group) =>
    [
      "Deleted: your chat history with the bot, its generation records and your votes.",
      ...(group ? ["This group's history is kept: it belongs to the group."] : []),
      "An adapter already trained on your data is not changed. Your /privacy choice is kept.",
    ].join("\n"),
  forgetCancelled: "Nothing was deleted.",
  forgetYes: "Yes, delete",
  forgetNo: "No",
  exportPrivateOnly: "Your data goes only to a private chat: send /export to me directly.",
  exportCaption: "Your data kept by this bot (JSON).",
  voteThanks: "Thanks for the feedback!",
  voteExpired: "This answer is too old to be rated.",
  regenerateOnlyLast: "Only the last answer can be rewritten.",
  regenerating: "Writing another answer…",
  stopping: "Stopping…",
  buttonStop: "🛑 Stop",
  buttonReset: "Reset",
  modelShow: (current, own) =>
    `Model in this chat: ${current}${own ? "" : " (default)"}.\nChoose which one answers:`,
  modelBase: "Base model",
  modelActive: (version) => `Active adapter (${version ?? "none: base model"})`,
  modelCandidate: (version) => `🧪 Candidate ${version}`,
  modelDefault: "Default (active / A/B)",
  modelSaved: "Saved: the next answer comes from this model.",
  modelUnavailable: (version) => `Adapter ${version} can no longer answer. Open /model again.`,
  abUsage:
    "Usage: /ab start VERSION [SHARE] (SHARE of chats in (0, 1], default 0.5), /ab — statistics, /ab stop — end it.",
  abNotServable: (version, status) =>
    status === null
      ? `There is no adapter version ${version} (see /adapters).`
      : `Adapter ${version} is ${status}: only a candidate can be tested.`,
  abStarted: (version, share) =>
    `A/B started: ${version} answers ${Math.round(share * 100)}% of chats (chosen by chat id), the active adapter the rest. /ab shows the results.`,
  abStopped: (version) => (version === null ? "No A/B experiment is running." : `A/B of ${version} stopped.`),
  abNone: "No A/B experiment is running. Start one: /ab start VERSION [SHARE]",
  abStats: (view) =>
    [
      `A/B: ${view.version} for ${Math.round(view.share * 100)}% of chats since ${view.startedAt} UTC`,
      ...(view.rows.length === 0 ? ["No votes yet."] : view.rows.map(abRow)),
    ].join("\n"),
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
    privacy: "What is kept about you; opt out of training",
    forget: "Delete your data",
    export: "Your data as a file",
    allow: "Allow a user or group (admin)",
    deny: "Refuse a user or group (admin)",
    invite: "One-time invite code (admin)",
    model: "Which model answers here",
    ab: "A/B of an adapter (admin)",
  },
};

function abRow(row: AbStatsRow): string {
  const name = row.version ?? "base model";
  const mark = row.role === "candidate" ? "🧪" : row.role === "active" ? "⭐" : "·";
  return (
    `${mark} ${name}: 👍 ${rateOf(row.up, row.votes, row.upInterval)} of votes, ` +
    `🔄 ${rateOf(row.regenerated, row.reactions, row.regeneratedInterval)} of reactions`
  );
}

/** `3/4 = 75% (95%: 30–95%)`. */
function rateOf(count: number, total: number, interval: [number, number] | null): string {
  if (total === 0 || interval === null) return `0/0`;
  const pct = (x: number) => Math.round(x * 100);
  return `${count}/${total} = ${pct(count / total)}% (95%: ${pct(interval[0])}–${pct(interval[1])}%)`;
}

function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
