// Litmus tests in mail (issue 9): what the rest of the analysis uses.
export {
  analyzeMailLitmus, DEFAULT_MAIL_LITMUS_BUDGET,
  type LitmusOccurrence, type MailLitmusOptions, type MailLitmusResult,
} from './answer.ts';
export { attachMailLitmus } from './attach.ts';
export { CANNOT_HAPPEN_PHRASES, CAN_HAPPEN_PHRASES, type Claim, type Expectation } from './claims.ts';
export { extractLitmus, type FoundLitmus } from './extract.ts';
export { LITMUS_IN_MAIL, LITMUS_IN_MAIL_META } from './findings.ts';
