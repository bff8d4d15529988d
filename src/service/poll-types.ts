// Types the service passes between its steps.
export type { MailMessage } from '../mail/types.ts';
export interface SeenMessageLike { messageId: string; raw: Buffer }
