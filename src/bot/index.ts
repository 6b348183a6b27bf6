// The Telegram channel: a grammY bot over the generation pipeline, and the gateway that runs it.
export { createSaigaBot, type SaigaBotOptions } from "./create-saiga-bot.js";
export { runGateway, type RunningGateway } from "./gateway/run-gateway.js";
export { botServicesOf, type BotServices } from "./bot-services.js";
export { registerCommandMenus, registerAdminMenu, type MenuCommand } from "./commands/command-menus.js";
export type { SaigaContext, SaigaFlavor } from "./bot-context.js";
export { DeliveryQueue } from "./delivery/delivery-queue.js";
export { DeliveryWorker, type DeliveryWorkerOptions } from "./delivery/delivery-worker.js";
export { deliveryJobSchema, type DeliveryJob } from "./delivery/delivery-job.js";
export { markdownToTelegramHtml } from "./render/markdown-to-telegram-html.js";
export { splitMessage } from "./render/split-message.js";
export { chooseLanguage, textsOf, LANGUAGES, type Language } from "./i18n/language.js";
export type { Texts } from "./i18n/texts.js";
