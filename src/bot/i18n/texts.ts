// The shape of the bot's texts: one object per language with exactly these entries, so that a
// missing or misspelled translation is a compile error, not a blank message.

/** Values shown by /params. */
export interface ParamsView {
  temperature: number;
  topP: number;
  maxTokens: number;
}

/** Numbers shown by /stats. */
export interface StatsView {
  waiting: number;
  active: number;
  delayed: number;
  tokensPerSecond: number | null;
  chats: number;
  votesUp: number;
  votesDown: number;
  regenerated: number;
  model: string | null;
  adapter: string | null;
}

/** One version's line in /ab: 👍 among votes and 🔄 among reactions, with 95% Wilson intervals. */
export interface AbStatsRow {
  /** The version; null for the bare model. */
  version: string | null;
  role: "candidate" | "active" | "other";
  up: number;
  votes: number;
  upInterval: [number, number] | null;
  regenerated: number;
  /** 👍 + 👎 + 🔄. */
  reactions: number;
  regeneratedInterval: [number, number] | null;
}

/** What /ab shows about the running experiment. */
export interface AbStatsView {
  version: string;
  share: number;
  /** UTC, `YYYY-MM-DD HH:MM`. */
  startedAt: string;
  rows: AbStatsRow[];
}

/** What /privacy shows about the user. */
export interface PrivacyView {
  /** False: the user opted out of training data. */
  training: boolean;
  /** Turns of their private chat with the bot. */
  historyTurns: number;
  generationRecords: number;
  /** Their votes and regenerated answers, in every chat. */
  feedback: number;
  /** `history.idleTtlSeconds` in days. */
  historyDays: number;
  /** `history.recordsTtlDays`. */
  recordsDays: number;
}

/** Every text the bot sends. Functions take the values they show. */
export interface Texts {
  start: string;
  help(admin: boolean): string;
  textOnly: string;
  tooLong(length: number, limit: number): string;
  rateLimited(seconds: number): string;
  quotaExceeded(used: number, limit: number, resetsInMinutes: number): string;
  queued(position: number): string;
  answerFailed: string;
  emptyAnswer: string;
  stoppedMark: string;
  resetDone: string;
  systemShow(prompt: string, own: boolean): string;
  systemSet: string;
  systemReset: string;
  systemTooLong(limit: number): string;
  paramsTitle(view: ParamsView): string;
  paramsReset: string;
  paramsSaved: string;
  stopDone: string;
  stopNothing: string;
  langShow(current: string): string;
  langSet: string;
  notAdmin: string;
  groupAdminsOnly: string;
  stats(view: StatsView): string;
  banUsage: string;
  banned(userId: string, already: boolean): string;
  unbanned(userId: string, was: boolean): string;
  quotaUsage: string;
  quotaSet(userId: string, tokens: number): string;
  trainingQueued(jobId: string): string;
  noAdapters: string;
  activateUsage: string;
  adapterActive(version: string | null): string;
  nothingToRollBack: string;
  /** A refused private user's one explanation (`pairing`: how to get in with a code). */
  accessRefused(userId: string, pairing: boolean): string;
  /** Said in a group that is not allowed, before the bot leaves it. */
  groupNotAllowed(chatId: string): string;
  inviteAccepted: string;
  inviteInvalid: string;
  allowUsage: string;
  accessAllowed(id: string, already: boolean): string;
  accessDenied(id: string, was: boolean): string;
  /** /invite's answer: the code, its deep link and when it expires (UTC, `YYYY-MM-DD HH:MM`). */
  inviteCreated(code: string, link: string, expiresAt: string): string;
  inviteNeedsPairing(policy: string): string;
  privacyShow(view: PrivacyView): string;
  privacyUsage: string;
  privacySet(training: boolean): string;
  forgetConfirm(group: boolean): string;
  forgetDone(group: boolean): string;
  forgetCancelled: string;
  forgetYes: string;
  forgetNo: string;
  exportCaption: string;
  exportPrivateOnly: string;
  voteThanks: string;
  voteExpired: string;
  regenerateOnlyLast: string;
  regenerating: string;
  stopping: string;
  buttonStop: string;
  buttonReset: string;
  /** /model: the current choice (a label below) and whether the chat chose it. */
  modelShow(current: string, own: boolean): string;
  modelBase: string;
  modelActive(version: string | null): string;
  modelCandidate(version: string): string;
  /** The button that clears the chat's choice (then the active adapter or the A/B decides). */
  modelDefault: string;
  modelSaved: string;
  modelUnavailable(version: string): string;
  abUsage: string;
  abNotServable(version: string, status: string | null): string;
  abStarted(version: string, share: number): string;
  abStopped(version: string | null): string;
  abNone: string;
  abStats(view: AbStatsView): string;
  commands: Record<
    | "start"
    | "help"
    | "reset"
    | "system"
    | "params"
    | "stop"
    | "lang"
    | "stats"
    | "ban"
    | "unban"
    | "quota"
    | "train"
    | "adapters"
    | "activate"
    | "rollback"
    | "privacy"
    | "forget"
    | "export"
    | "allow"
    | "deny"
    | "invite"
    | "model"
    | "ab",
    string
  >;
}
