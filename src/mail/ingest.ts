// Raw messages from any source to parsed messages and assembled series.
// Problems from the source and from each message are collected, never
// thrown: one bad message must not stop the rest of the input.
import type { SourceItem } from '../sources/raw-message.ts';
import { parseRawMessage } from './parse.ts';
import { assembleSeries, type Assembly } from './series.ts';
import type { InputError, MailMessage } from './types.ts';

export interface Ingested extends Assembly {
  messages: MailMessage[];
}

export async function parseAll(items: AsyncIterable<SourceItem>): Promise<{ messages: MailMessage[]; problems: InputError[] }> {
  const messages: MailMessage[] = [];
  const problems: InputError[] = [];
  for await (const item of items) {
    if (item.kind === 'problem') { problems.push(item.problem); continue; }
    try {
      const res = await parseRawMessage(item.message);
      problems.push(...res.problems);
      if (res.message) messages.push(res.message);
    } catch (err) {
      // parseRawMessage reports what it can; anything else is still only
      // this message's problem.
      problems.push({ input: item.message.origin.input, where: item.message.origin.where,
        message: `could not parse: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { messages, problems };
}

export async function ingest(items: AsyncIterable<SourceItem>): Promise<Ingested> {
  const parsed = await parseAll(items);
  const assembly = assembleSeries(parsed.messages);
  return { ...assembly, messages: parsed.messages, problems: [...parsed.problems, ...assembly.problems] };
}
