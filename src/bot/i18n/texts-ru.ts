// Russian texts (the default language).
import type { AbStatsRow, Texts } from "./texts.js";

export const textsRu: Texts = {
  start:
    "Привет! Я Сайга, русскоязычный ассистент на локальной модели. Напишите вопрос — я отвечу.\n" +
    "Команды: /help",
  help: (admin) =>
    [
      "Напишите сообщение — я отвечу. В группах позовите меня по имени, @упоминанием или ответом на моё сообщение.",
      "",
      "/reset — начать разговор заново",
      "/system [текст] — показать или задать системный промпт (/system reset — вернуть обычный)",
      "/params — температура, top-p, длина ответа",
      "/stop — остановить ответ",
      "/lang ru|en — язык бота",
      "/privacy [off|on] — что хранится о вас; не использовать (или снова использовать) для обучения",
      "/export — ваши данные файлом JSON; /forget — удалить их",
      "/model — какая модель отвечает в этом чате",
      "Под ответом: 👍 👎 — оценка, 🔄 — другой ответ, 🛑 — остановить.",
      ...(admin
        ? [
            "",
            "Администратор:",
            "/stats — очередь, скорость, чаты, оценки, модель",
            "/ban ID, /unban ID — заблокировать или разблокировать пользователя",
            "/quota ID N — дневной лимит токенов пользователя (0 — без лимита)",
            "/train, /adapters, /activate ВЕРСИЯ, /rollback — дообучение",
            "/allow ID, /deny ID, /invite — кому можно пользоваться ботом",
            "/ab start ВЕРСИЯ [ДОЛЯ], /ab, /ab stop — A/B-тест кандидата",
          ]
        : []),
    ].join("\n"),
  textOnly: "Я понимаю только текст. Напишите, пожалуйста, словами.",
  tooLong: (length, limit) =>
    `Сообщение слишком длинное: ${length} символов, а я принимаю не больше ${limit}. Сократите его или разбейте на части.`,
  rateLimited: (seconds) => `Слишком много сообщений подряд. Напишите снова через ${seconds} с.`,
  quotaExceeded: (used, limit, minutes) =>
    `Дневной лимит исчерпан (${used} из ${limit} токенов). Писать снова можно через ${formatDuration(minutes)}, в 00:00 UTC.`,
  queued: (position) => `⏳ Вы в очереди: ${position}-й. Ответ скоро начнётся.`,
  answerFailed: "Не получилось ответить: что-то сломалось на сервере. Попробуйте ещё раз чуть позже.",
  emptyAnswer: "(пустой ответ)",
  stoppedMark: "⏹ Остановлено",
  resetDone: "Начинаем заново: историю разговора я забыла.",
  systemShow: (prompt, own) =>
    `${own ? "Системный промпт этого чата" : "Системный промпт (обычный)"}:\n\n${prompt}\n\n` +
    "Изменить: /system новый текст. Вернуть обычный: /system reset",
  systemSet: "Системный промпт изменён. Он действует со следующего ответа.",
  systemReset: "Вернула обычный системный промпт.",
  systemTooLong: (limit) => `Системный промпт слишком длинный: не больше ${limit} символов.`,
  paramsTitle: (v) =>
    `Параметры ответа:\nтемпература ${v.temperature}, top-p ${v.topP}, длина до ${v.maxTokens} токенов.\nВыберите:`,
  paramsReset: "Сбросить",
  paramsSaved: "Сохранено",
  stopDone: "Остановила.",
  stopNothing: "Сейчас нечего останавливать.",
  langShow: (current) => `Язык: ${current}. Сменить: /lang ru или /lang en`,
  langSet: "Теперь говорю по-русски.",
  notAdmin: "Эта команда только для администраторов бота.",
  groupAdminsOnly: "Настройки группы меняют только её администраторы.",
  stats: (s) =>
    [
      "📊 Статистика",
      `Очередь: ${s.waiting} ждут, ${s.active} отвечаются, ${s.delayed} отложены`,
      `Скорость: ${s.tokensPerSecond === null ? "—" : `${s.tokensPerSecond.toFixed(1)} ток/с`}`,
      `Чатов: ${s.chats}`,
      `Оценки: 👍 ${s.votesUp}, 👎 ${s.votesDown}, 🔄 ${s.regenerated}`,
      `Модель: ${s.model ?? "—"}`,
      `Адаптер: ${s.adapter ?? "нет (базовая модель)"}`,
    ].join("\n"),
  banUsage:
    "Использование: /ban ID или /unban ID (числовой id пользователя Telegram или api:ИМЯ для ключа API).",
  banned: (id, already) =>
    already ? `Пользователь ${id} уже заблокирован.` : `Пользователь ${id} заблокирован.`,
  unbanned: (id, was) =>
    was ? `Пользователь ${id} разблокирован.` : `Пользователь ${id} не был заблокирован.`,
  quotaUsage: "Использование: /quota ID N — дневной лимит токенов пользователя (0 — без лимита).",
  quotaSet: (id, tokens) =>
    tokens === 0
      ? `У пользователя ${id} теперь нет дневного лимита.`
      : `Дневной лимит пользователя ${id}: ${tokens} токенов.`,
  trainingQueued: (jobId) =>
    `Дообучение поставлено в очередь (задача ${jobId}). Новый адаптер включится сам, если пройдёт проверку: /adapters`,
  noAdapters: "Адаптеров пока нет: отвечает базовая модель.",
  activateUsage: "Использование: /activate ВЕРСИЯ (версии: /adapters).",
  adapterActive: (version) =>
    version === null
      ? "Теперь отвечает базовая модель (без адаптера)."
      : `Адаптер ${version} включён на всех движках.`,
  nothingToRollBack: "Откатывать некуда.",
  accessRefused: (id, pairing) =>
    pairing
      ? `Это закрытый бот. Попросите у администратора приглашение и отправьте /start КОД. Ваш id: ${id}`
      : `Это закрытый бот. Попросите администратора открыть вам доступ. Ваш id: ${id}`,
  groupNotAllowed: (id) =>
    `Извините, в этой группе бот не разрешён, поэтому я ухожу. Администратор может разрешить его: /allow ${id}`,
  inviteAccepted: "Добро пожаловать! Приглашение принято: напишите сообщение — я отвечу.",
  inviteInvalid:
    "Этот код приглашения недействителен: им уже воспользовались, его срок истёк или в нём опечатка. Попросите новый.",
  allowUsage: "Использование: /allow ID или /deny ID (id пользователя Telegram или группы — отрицательный).",
  accessAllowed: (id, already) => (already ? `${id} уже разрешён.` : `${id} теперь разрешён.`),
  accessDenied: (id, was) => (was ? `${id} больше не разрешён.` : `${id} и так не был разрешён.`),
  inviteCreated: (code, link, expiresAt) =>
    `Код приглашения: ${code}\nОн впустит одного пользователя до ${expiresAt} UTC: пусть отправит /start ${code} или откроет\n${link}`,
  inviteNeedsPairing: (policy) =>
    `Приглашения работают только при access.policy: pairing (сейчас: ${policy}). Используйте /allow ID.`,
  privacyShow: (v) =>
    [
      "Что бот хранит о вас:",
      `• ваш чат с ботом: сообщений ${v.historyTurns}, забывается через ${v.historyDays} дн. без сообщений`,
      `• записи генераций (промпт, который видела модель, и её ответ): ${v.generationRecords}, хранятся ${v.recordsDays} дн.`,
      `• ваши оценки и перегенерированные ответы: ${v.feedback}, хранятся, пока вы не удалите их (/forget)`,
      v.training
        ? "• обучение: ваши оценки могут использоваться для дообучения модели. Отказаться: /privacy off"
        : "• обучение: вы отказались, ваши данные не попадают в обучающую выборку. Вернуть: /privacy on",
      "Ваши данные файлом: /export. Удалить: /forget",
    ].join("\n"),
  privacyUsage:
    "Использование: /privacy, /privacy off (не использовать мои данные для обучения) или /privacy on.",
  privacySet: (training) =>
    training
      ? "Готово: ваши оценки снова могут использоваться для обучения."
      : "Готово: ваши оценки и чаты больше не используются для обучения. Уже обученный адаптер не меняется.",
  forgetConfirm: (group) =>
    group
      ? "Удалить ваши оценки и перегенерированные ответы во всех чатах и ваш личный чат с ботом? История этой группы останется: она принадлежит группе."
      : "Удалить историю вашего чата с ботом, записи генераций и ваши оценки? Это нельзя отменить.",
  forgetDone: (group) =>
    [
      "Удалено: история вашего чата с ботом, записи генераций и ваши оценки.",
      ...(group ? ["История этой группы сохранена: она принадлежит группе."] : []),
      "Адаптер, уже обученный на ваших данных, не меняется. Ваш выбор /privacy сохранён.",
    ].join("\n"),
  forgetCancelled: "Ничего не удалено.",
  forgetYes: "Да, удалить",
  forgetNo: "Нет",
  exportPrivateOnly: "Ваши данные отправляются только в личный чат: напишите мне /export напрямую.",
  exportCaption: "Ваши данные, которые хранит бот (JSON).",
  voteThanks: "Спасибо за оценку!",
  voteExpired: "Этот ответ слишком старый, его уже нельзя оценить.",
  regenerateOnlyLast: "Переписать можно только последний ответ.",
  regenerating: "Пишу другой ответ…",
  stopping: "Останавливаю…",
  buttonStop: "🛑 Стоп",
  buttonReset: "Сбросить",
  modelShow: (current, own) =>
    `Модель в этом чате: ${current}${own ? "" : " (по умолчанию)"}.\nВыберите, какая будет отвечать:`,
  modelBase: "Базовая модель",
  modelActive: (version) => `Активный адаптер (${version ?? "нет: базовая модель"})`,
  modelCandidate: (version) => `🧪 Кандидат ${version}`,
  modelDefault: "По умолчанию (активный / A/B)",
  modelSaved: "Сохранено: следующий ответ напишет эта модель.",
  modelUnavailable: (version) => `Адаптер ${version} больше не может отвечать. Откройте /model снова.`,
  abUsage:
    "Использование: /ab start ВЕРСИЯ [ДОЛЯ] (доля чатов в (0, 1], по умолчанию 0.5), /ab — статистика, /ab stop — закончить.",
  abNotServable: (version, status) =>
    status === null
      ? `Версии адаптера ${version} нет (см. /adapters).`
      : `Адаптер ${version} в статусе ${status}: проверять можно только кандидата.`,
  abStarted: (version, share) =>
    `A/B-тест начат: ${version} отвечает в ${Math.round(share * 100)}% чатов (по id чата), активный адаптер — в остальных. Результаты: /ab.`,
  abStopped: (version) => (version === null ? "A/B-тест не идёт." : `A/B-тест ${version} остановлен.`),
  abNone: "A/B-тест не идёт. Начать: /ab start ВЕРСИЯ [ДОЛЯ]",
  abStats: (view) =>
    [
      `A/B: ${view.version} в ${Math.round(view.share * 100)}% чатов с ${view.startedAt} UTC`,
      ...(view.rows.length === 0 ? ["Оценок пока нет."] : view.rows.map(abRow)),
    ].join("\n"),
  commands: {
    start: "Начало работы",
    help: "Что я умею",
    reset: "Начать разговор заново",
    system: "Показать или задать системный промпт",
    params: "Температура, top-p, длина ответа",
    stop: "Остановить ответ",
    lang: "Язык бота (ru, en)",
    stats: "Статистика (админ)",
    ban: "Заблокировать пользователя (админ)",
    unban: "Разблокировать пользователя (админ)",
    quota: "Дневной лимит токенов (админ)",
    train: "Дообучить адаптер (админ)",
    adapters: "Версии адаптера (админ)",
    activate: "Включить версию адаптера (админ)",
    rollback: "Вернуть прошлый адаптер (админ)",
    privacy: "Что хранится о вас; отказ от обучения",
    forget: "Удалить ваши данные",
    export: "Ваши данные файлом",
    allow: "Разрешить пользователя или группу (админ)",
    deny: "Запретить пользователя или группу (админ)",
    invite: "Одноразовый код приглашения (админ)",
    model: "Какая модель здесь отвечает",
    ab: "A/B-тест адаптера (админ)",
  },
};

function abRow(row: AbStatsRow): string {
  const name = row.version ?? "базовая модель";
  const mark = row.role === "candidate" ? "🧪" : row.role === "active" ? "⭐" : "·";
  return (
    `${mark} ${name}: 👍 ${rateOf(row.up, row.votes, row.upInterval)} оценок, ` +
    `🔄 ${rateOf(row.regenerated, row.reactions, row.regeneratedInterval)} реакций`
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
  return hours > 0 ? `${hours} ч ${minutes % 60} мин` : `${minutes} мин`;
}
