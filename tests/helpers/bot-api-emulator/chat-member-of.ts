// Builds the ChatMember object getChatMember returns for a role the test gives a user.
import type { ChatMember, User } from "grammy/types";

/** A member's role in a chat, as Telegram names it. */
export type ChatMemberStatus = ChatMember["status"];

/** A full ChatMember for `status`: administrators may do everything but promote, restricted users nothing. */
export function chatMemberOf(user: User, status: ChatMemberStatus): ChatMember {
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false };
    case "administrator":
      return {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_send_welcome_messages: false,
      };
    case "member":
      return { status, user };
    case "restricted":
      return {
        status,
        user,
        is_member: true,
        can_send_messages: false,
        can_send_audios: false,
        can_send_documents: false,
        can_send_photos: false,
        can_send_videos: false,
        can_send_video_notes: false,
        can_send_voice_notes: false,
        can_send_polls: false,
        can_send_other_messages: false,
        can_add_web_page_previews: false,
        can_react_to_messages: false,
        can_change_info: false,
        can_invite_users: false,
        can_edit_tag: false,
        can_pin_messages: false,
        can_manage_topics: false,
        until_date: 0,
      };
    case "left":
      return { status, user };
    case "kicked":
      return { status, user, until_date: 0 };
  }
}
