// Access policies end to end (`access.*`): `saiga start` on the demo model against the Bot API
// emulator and a real Redis, once per policy. What is asserted is what users see: answers,
// the one explanation a refused user gets, the line a group hears before the bot leaves it, and
// invite codes that admit once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textsRu } from "../src/bot/i18n/texts-ru.js";
import { InviteCodes } from "../src/store/invite-codes.js";
import { BotTestbed, pause } from "./helpers/bot-harness.js";
import type { UserChat } from "./helpers/bot-api-emulator/index.js";

const ADMIN_ID = 515151;
const CONFIGURED_USER_ID = 626262;

/** A testbed running `saiga start` under `policy`; closed after the describe block. */
function testbedFor(policy: "open" | "allowlist" | "pairing"): () => BotTestbed {
  let bed: BotTestbed | undefined;
  beforeAll(async () => {
    bed = await BotTestbed.create();
    await bed.start("start", {
      ADMIN_IDS: String(ADMIN_ID),
      SAIGA_ACCESS_POLICY: policy,
      SAIGA_ACCESS_USERS: String(CONFIGURED_USER_ID),
      SAIGA_ACCESS_REFUSAL_NOTICE_SECONDS: "3600",
      SAIGA_GENERATION_MAX_TOKENS: "8",
    });
  });
  afterAll(async () => {
    await bed?.close();
  });
  return () => bed!;
}

/** What the bot said in a chat so far. */
const textsIn = (bed: BotTestbed, chatId: number) =>
  bed.emulator
    .messagesIn(chatId)
    .filter((m) => !m.deleted)
    .map((m) => m.text);

/** A user writes twice and is refused: exactly one explanation, nothing else, ever. */
async function expectRefusedOnce(bed: BotTestbed, userId: number, pairing: boolean): Promise<void> {
  const user = bed.emulator.createUser({ id: userId });
  bed.emulator.sendMessage({ from: user, text: "привет" });
  await bed.waitForText(userId, /закрытый бот/);
  bed.emulator.sendMessage({ from: user, text: "ответь же" });
  await pause(1500);
  expect(textsIn(bed, userId)).toEqual([textsRu.accessRefused(String(userId), pairing)]);
}

/** Waits until the bot called leaveChat for the chat. */
const waitForLeave = (bed: BotTestbed, chat: UserChat) =>
  bed.emulator.waitFor(() =>
    bed.emulator.calls("leaveChat").find((call) => Number(call.params.chat_id) === chat.id && call.ok),
  );

describe("open policy (the default)", () => {
  const bed = testbedFor("open");

  it("answers anyone, and refuses /invite to a non-admin", async () => {
    const alice = bed().emulator.createUser();
    bed().emulator.sendMessage({ from: alice, text: "привет" });
    await bed().waitForAnswers(alice.id);
    bed().emulator.sendMessage({ from: alice, text: "/invite" });
    await bed().waitForText(alice.id, new RegExp(textsRu.notAdmin));
  });

  it("stays in any group", async () => {
    const owner = bed().emulator.createUser();
    const group = bed().emulator.createGroup();
    bed().emulator.addBotToGroup(group, owner);
    bed().emulator.sendMessage({ from: owner, chat: group, text: "Сайга, привет" });
    await bed().waitForAnswers(group.id);
    expect(bed().emulator.calls("leaveChat")).toEqual([]);
  });
});

describe("allowlist policy", () => {
  const bed = testbedFor("allowlist");

  it("answers a user in access.users and an admin, and explains a refusal only once", async () => {
    const listed = bed().emulator.createUser({ id: CONFIGURED_USER_ID });
    bed().emulator.sendMessage({ from: listed, text: "привет" });
    await bed().waitForAnswers(listed.id);
    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    bed().emulator.sendMessage({ from: admin, text: "привет" });
    await bed().waitForAnswers(admin.id);
    await expectRefusedOnce(bed(), 700_000_001, false);
  });

  it("answers a user after /allow and refuses them after /deny", async () => {
    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    const carol = bed().emulator.createUser();
    bed().emulator.sendMessage({ from: admin, text: `/allow ${carol.id}` });
    await bed().waitForText(admin.id, new RegExp(`${carol.id} теперь разрешён`));
    bed().emulator.sendMessage({ from: carol, text: "привет" });
    await bed().waitForAnswers(carol.id);

    bed().emulator.sendMessage({ from: admin, text: `/deny ${carol.id}` });
    await bed().waitForText(admin.id, new RegExp(`${carol.id} больше не разрешён`));
    bed().emulator.sendMessage({ from: carol, text: "ещё вопрос" });
    await bed().waitForText(carol.id, /закрытый бот/);
    expect(bed().answers(carol.id)).toHaveLength(1);
    // /deny wins over the config's list too.
    bed().emulator.sendMessage({ from: admin, text: `/deny ${CONFIGURED_USER_ID}` });
    await bed().waitForText(admin.id, new RegExp(`${CONFIGURED_USER_ID} больше не разрешён`));
  });

  it("leaves a group that is not allowed, when added and on a first message; stays in an allowed one", async () => {
    const someone = bed().emulator.createUser();
    const added = bed().emulator.createGroup();
    bed().emulator.addBotToGroup(added, someone);
    await waitForLeave(bed(), added);
    expect(textsIn(bed(), added.id)).toEqual([textsRu.groupNotAllowed(String(added.id))]);

    const already = bed().emulator.createGroup();
    bed().emulator.sendMessage({ from: someone, chat: already, text: "Сайга, привет" });
    await waitForLeave(bed(), already);
    expect(textsIn(bed(), already.id)).toEqual([textsRu.groupNotAllowed(String(already.id))]);

    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    const allowed = bed().emulator.createGroup();
    bed().emulator.sendMessage({ from: admin, text: `/allow ${allowed.id}` });
    await bed().waitForText(admin.id, new RegExp(`${allowed.id} теперь разрешён`));
    bed().emulator.sendMessage({ from: someone, chat: allowed, text: "Сайга, привет" });
    await bed().waitForAnswers(allowed.id);
    expect(
      bed()
        .emulator.calls("leaveChat")
        .map((call) => Number(call.params.chat_id)),
    ).not.toContain(allowed.id);
  });

  it("refuses /invite to an allowed non-admin, and tells an admin that invites need pairing", async () => {
    const listed = bed().emulator.createUser({ id: CONFIGURED_USER_ID + 1 });
    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    bed().emulator.sendMessage({ from: admin, text: `/allow ${listed.id}` });
    await bed().waitForText(admin.id, new RegExp(`${listed.id} теперь разрешён`));
    bed().emulator.sendMessage({ from: listed, text: "/invite" });
    await bed().waitForText(listed.id, new RegExp(textsRu.notAdmin));
    bed().emulator.sendMessage({ from: admin, text: "/invite" });
    await bed().waitForText(admin.id, /pairing \(сейчас: allowlist\)/);
    // The admin's own menu offers the access commands, in Russian by default.
    const menu = bed().emulator.myCommands({ type: "chat", chat_id: ADMIN_ID });
    expect(menu.filter((c) => ["allow", "deny", "invite"].includes(c.command))).toEqual([
      { command: "allow", description: textsRu.commands.allow },
      { command: "deny", description: textsRu.commands.deny },
      { command: "invite", description: textsRu.commands.invite },
    ]);
  });
});

describe("pairing policy", () => {
  const bed = testbedFor("pairing");

  it("admits a user with an invite code once; the second use is refused", async () => {
    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    bed().emulator.sendMessage({ from: admin, text: "/invite" });
    const invite = await bed().waitForText(admin.id, /Код приглашения/);
    const code = /Код приглашения: (\S+)/.exec(invite.text)![1]!;
    expect(invite.text).toContain(`https://t.me/saiga_test_bot?start=${code}`);

    const dave = bed().emulator.createUser();
    bed().emulator.sendMessage({ from: dave, text: "привет" });
    await bed().waitForText(dave.id, /\/start КОД/);
    bed().emulator.sendMessage({ from: dave, text: `/start ${code}` });
    await bed().waitForText(dave.id, new RegExp(textsRu.inviteAccepted));
    bed().emulator.sendMessage({ from: dave, text: "привет" });
    await bed().waitForAnswers(dave.id);

    const eve = bed().emulator.createUser();
    bed().emulator.sendMessage({ from: eve, text: `/start ${code}` });
    await bed().waitForText(eve.id, /недействителен/);
    bed().emulator.sendMessage({ from: eve, text: "привет" });
    await bed().waitForText(eve.id, /закрытый бот/);
    expect(bed().answers(eve.id)).toEqual([]);
  });

  it("refuses an expired code", async () => {
    // A code made as the bot makes them, with a TTL as short as access.inviteTtlMinutes: 0.01 (0.6 s).
    const { redis, keys } = bed().client;
    const invite = await new InviteCodes({ redis, keys, ttlMinutes: 0.01 }).create(String(ADMIN_ID));
    await pause(1000);
    const frank = bed().emulator.createUser();
    bed().emulator.sendMessage({ from: frank, text: `/start ${invite.code}` });
    await bed().waitForText(frank.id, /недействителен/);
    await pause(300);
    expect(textsIn(bed(), frank.id)).toEqual([textsRu.inviteInvalid]);
  });

  it("explains a refusal once, answers admins, and allows a group an admin adds", async () => {
    await expectRefusedOnce(bed(), 700_000_002, true);
    const admin = bed().emulator.createUser({ id: ADMIN_ID });
    bed().emulator.sendMessage({ from: admin, text: "привет" });
    await bed().waitForAnswers(admin.id);

    const member = bed().emulator.createUser();
    const group = bed().emulator.createGroup();
    bed().emulator.addBotToGroup(group, admin);
    await pause(500);
    bed().emulator.sendMessage({ from: member, chat: group, text: "Сайга, привет" });
    await bed().waitForAnswers(group.id);
    expect(bed().emulator.calls("leaveChat")).toEqual([]);
  });
});
