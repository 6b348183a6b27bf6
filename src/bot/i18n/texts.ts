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
  voteThanks: string;
  voteExpired: string;
  regenerateOnlyLast: string;
  regenerating: string;
  stopping: string;
  buttonStop: string;
  buttonReset: string;
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
    | "rollback",
    string
  >;
}
