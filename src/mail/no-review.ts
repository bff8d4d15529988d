// Mail that must never get a review: commit notifications (tip-bot,
// akpm's mm-commits, the stable queue), "applied" replies (b4 ty and
// hand-written), mail from bots (test robots, patchwork, ourselves), and
// anything marked Auto-Submitted. A review bot that answers any of these
// is noise on the list.
import { splitSubject, tipBranch } from './subject.ts';
import type { NoReviewReason } from './types.ts';

export interface NoReviewInput {
  subject: string;
  fromName: string;
  fromAddress: string;
  messageId: string;
  body: string;
  isReply: boolean;
  header: (name: string) => string | undefined;
}

const BOT_ADDRESS = /(^|[.+_-])(bot|robot|bots)(\d*)([.+_-]|@)|^syzbot|syzkaller|patchwork|noreply|no-reply|^lkp@intel\.com$/i;
const BOT_NAME = /\b(test robot|bot|robot|patchwork|syzbot|kernelci)\b/i;

export function classifyNoReview(m: NoReviewInput): NoReviewReason | undefined {
  const auto = m.header('auto-submitted');
  if (auto && !/^\s*no\b/i.test(auto)) return 'auto-submitted';
  if (m.header('x-ptbot-finding') !== undefined || m.header('x-ptbot-version') !== undefined) return 'bot-mail';

  if (!m.isReply && isCommitNotification(m)) return 'commit-notification';
  if (m.isReply && isAppliedReply(m)) return 'applied-reply';
  if (m.header('x-patchwork-bot') !== undefined) return 'bot-mail';
  if (BOT_ADDRESS.test(m.fromAddress) || BOT_NAME.test(m.fromName)) {
    // tip-bot's mails are commit notifications, replies to them are human.
    return isCommitNotification(m) ? 'commit-notification' : 'bot-mail';
  }
  return undefined;
}

function isCommitNotification(m: NoReviewInput): boolean {
  const subject = m.subject;
  if (tipBranch(subject) !== undefined && !m.isReply) return true;
  if (/tip-git-log-daemon/i.test(m.header('x-mailer') ?? '')) return true;
  const title = splitSubject(subject);
  const first = (title.groups[0] ?? '').toLowerCase();
  // akpm's mm-commits: "[merged mm-stable] foo.patch removed from -mm tree",
  // "+ foo.patch added to mm-unstable branch", "[to-be-updated] ...".
  if (/^(merged|to-be-updated|withdrawn|obsolete|nacked|folded)\b/.test(first)) return true;
  if (/^[+-] \S+\.patch (added to|removed from) /.test(subject)) return true;
  // The stable queue: 'Patch "..." has been added to the 6.1-stable tree'.
  if (/^(FAILED: )?patch ".*" (has been added to|failed to apply to) the .*(stable|tree)/i.test(subject)) return true;
  if (/^\[git commit\]/i.test(subject)) return true;
  return false;
}

/** b4's thank-you mail or a maintainer's "Applied to X, thanks!". */
function isAppliedReply(m: NoReviewInput): boolean {
  if (/\.b4-ty@/.test(m.messageId)) return true;
  const own = m.body.split('\n')
    .filter((l) => !/^\s*>/.test(l))
    .filter((l) => !/^On .*wrote:\s*$/.test(l) && !/wrote:\s*$/.test(l))
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const text = own.join('\n');
  if (text.length > 2000) return false;
  const head = own.slice(0, 3).join(' ');
  return /^(applied|queued|pushed|picked up|merged|added)\b.{0,160}?(thanks|thank you|\bto\b|\binto\b|\bon\b|\bin\b)/i.test(head);
}
