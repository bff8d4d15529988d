// SARIF 2.1.0 for code scanning (GitHub, IDEs): the rules as reporting
// descriptors, each finding a result at its file and line. Suppressed
// findings are kept as results with a suppression (inSource for a comment,
// external for a rule's allowlist), as SARIF viewers expect, so a reviewer
// can still see what was allowed and why.
import type { AnalysisResult } from '../analysis/analyze.ts';
import type { Finding, Severity } from '../analysis/finding.ts';
import type { RuleMeta } from '../analysis/rule-api.ts';
import type { SuppressedFinding } from '../analysis/run.ts';
import { herdCommand, modelLabel, scenarioOf, verdictText } from './simulation.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { hazardClass: string; arches: string[]; docs: string; tags: string[] };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; endLine?: number };
    };
    logicalLocations?: Array<{ name: string; kind: 'function' }>;
  }>;
  /** SARIF 2.1.0 §3.27.22: the per-arch places a generic finding concerns. */
  relatedLocations?: Array<{
    id: number;
    physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } };
    message: { text: string };
  }>;
  partialFingerprints: Record<string, string>;
  suppressions?: Array<{ kind: 'inSource' | 'external'; justification: string }>;
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; version: string; informationUri?: string; rules: SarifReportingDescriptor[] } };
    originalUriBaseIds: Record<string, { description: { text: string } }>;
    results: SarifResult[];
  }>;
}

export interface SarifOptions {
  toolVersion?: string;
  /** Base URL of the repository, to turn `rules/<id>.md` into a helpUri. */
  docsBaseUrl?: string;
}

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/** `lazy-mmu-unbalanced` -> `LazyMmuUnbalanced`, SARIF's name convention. */
function pascalName(id: string): string {
  return id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function descriptor(meta: RuleMeta, options: SarifOptions): SarifReportingDescriptor {
  const d: SarifReportingDescriptor = {
    id: meta.id,
    name: pascalName(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.contract },
    help: { text: `${meta.contract}\n\nSee ${meta.docs}.` },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: { hazardClass: meta.hazardClass, arches: meta.arches, docs: meta.docs, tags: [meta.hazardClass] },
  };
  if (options.docsBaseUrl) d.helpUri = new URL(meta.docs, options.docsBaseUrl).href;
  return d;
}

/** The explanation, and for a rule's generated scenario its verdict, which a viewer shows with the result. */
function messageText(f: Finding): string {
  const s = scenarioOf(f);
  const sim = s?.decided ?? s?.undecided;
  if (!s || !sim?.scenario) return f.explanation;
  const verdict = s.decided ? verdictText(s.decided) : `not decided, ${s.undecided?.notDecided ?? ''}`;
  return `${f.explanation.replace(/\.$/, '')}. Simulated (${modelLabel(sim)}): ${verdict}; the test is in properties.simulation.litmus.`;
}

/** The simulation as result properties: verdict, the test's text and how to run it with herd7. */
function simulationProperties(f: Finding): { simulation?: Record<string, unknown> } {
  const s = scenarioOf(f);
  const sim = s?.decided ?? s?.undecided;
  if (!s || !sim) return {};
  const herd7 = herdCommand(sim);
  return { simulation: { ...sim, decided: s.decided !== undefined, ...(herd7 !== undefined ? { herd7 } : {}) } };
}

function toResult(f: Finding, ruleIndex: number, suppression?: SuppressedFinding): SarifResult {
  const region: { startLine: number; endLine?: number } = { startLine: f.line };
  if (f.endLine !== undefined && f.endLine >= f.line) region.endLine = f.endLine;
  const location: SarifResult['locations'][number] = {
    physicalLocation: { artifactLocation: { uri: f.file, uriBaseId: 'SRCROOT' }, region },
  };
  if (f.function) location.logicalLocations = [{ name: f.function, kind: 'function' }];
  const result: SarifResult = {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: messageText(f) },
    locations: [location],
    partialFingerprints: { 'ptbotFingerprint/v1': f.fingerprint },
    properties: {
      id: f.id,
      hazardClass: f.hazardClass,
      confidence: f.confidence,
      arches: f.arches,
      evidence: f.evidence,
      origin: f.origin,
      ...(f.suggestion ? { suggestion: f.suggestion } : {}),
      ...simulationProperties(f),
    },
  };
  if (f.related !== undefined && f.related.length > 0) {
    result.relatedLocations = f.related.map((r, id) => ({
      id,
      physicalLocation: {
        artifactLocation: { uri: r.file, uriBaseId: 'SRCROOT' },
        ...(r.line !== undefined ? { region: { startLine: r.line } } : {}),
      },
      message: { text: r.message },
    }));
  }
  if (suppression !== undefined) {
    const kind = suppression.via === 'comment' ? 'inSource' : 'external';
    result.suppressions = [{ kind, justification: suppression.reason }];
  }
  return result;
}

export function sarifLog(result: AnalysisResult, options: SarifOptions = {}): SarifLog {
  const rules = result.rules.map((m) => descriptor(m, options));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  // A finding of a rule not in `rules` cannot happen from analyzeSeries;
  // -1 is SARIF's "no index" should a caller assemble results by hand.
  const indexOf = (id: string): number => index.get(id) ?? -1;
  const suppressed = result.series.flatMap((s) => s.versions.flatMap((v) => v.patches.flatMap((p) => p.suppressed)));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pgtable-review-bot',
            version: options.toolVersion ?? '0.1.0',
            ...(options.docsBaseUrl ? { informationUri: options.docsBaseUrl } : {}),
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { description: { text: 'the root of the kernel tree the patches apply to' } } },
        results: [
          ...result.findings.map((f) => toResult(f, indexOf(f.ruleId))),
          ...suppressed.map((s) => toResult(s.finding, indexOf(s.finding.ruleId), s)),
        ],
      },
    ],
  };
}

export function renderSarif(result: AnalysisResult, options: SarifOptions = {}): string {
  return `${JSON.stringify(sarifLog(result, options), null, 2)}\n`;
}
