// ReplyOptions and ReplyPolicy from the configuration.
import type { Config } from '../../config/schema.ts';
import type { ReplyPolicy } from './plan.ts';
import type { Address, ReplyOptions } from './reply.ts';

export const BOT_VERSION = '0.1.0';

export function parseAddress(text: string): Address {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(text);
  if (m) return { name: (m[1] ?? '').trim(), address: (m[2] ?? '').trim().toLowerCase() };
  return { name: '', address: text.trim().toLowerCase() };
}

export function replyOptionsFrom(config: Config, date: Date): ReplyOptions {
  const from = parseAddress(config.reply.from);
  return {
    from,
    messageIdDomain: config.reply.messageIdDomain ?? (from.address.split('@')[1] || 'ptbot.invalid'),
    wrapColumn: config.reply.wrapColumn,
    authorOnly: config.reply.authorOnly,
    never: config.reply.optOut,
    botVersion: BOT_VERSION,
    docsBaseUrl: config.reply.docsBaseUrl,
    date,
  };
}

export function replyPolicyFrom(config: Config): ReplyPolicy {
  return {
    minSeverity: config.reply.minSeverity,
    onlyNewFindings: config.reply.onlyNewFindings,
    maxFindingsPerReply: config.reply.maxFindingsPerReply,
  };
}
