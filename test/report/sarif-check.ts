// The required fields and types of SARIF 2.1.0 (OASIS SARIF v2.1.0, the
// sarif-schema-2.1.0.json `required` lists and property types) for the
// objects the report writes: sarifLog, run, tool, toolComponent,
// reportingDescriptor, result, message, location, physicalLocation,
// artifactLocation, region, suppression. A structural check, no dependency.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const LEVELS = ['none', 'note', 'warning', 'error'];
const SUPPRESSION_KINDS = ['inSource', 'external'];

function message(m: unknown, at: string, out: string[]): void {
  if (!isObj(m)) out.push(`${at}: required`);
  else if (typeof m.text !== 'string' && typeof m.id !== 'string') out.push(`${at}: needs text or id`);
}

function region(r: unknown, at: string, out: string[]): void {
  if (r === undefined) return;
  if (!isObj(r)) return void out.push(`${at}: must be an object`);
  for (const k of ['startLine', 'endLine', 'startColumn', 'endColumn']) {
    const v = r[k];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) out.push(`${at}.${k}: integer >= 1`);
  }
}

function physicalLocation(p: unknown, at: string, out: string[]): void {
  if (!isObj(p)) return void out.push(`${at}: must be an object`);
  if (p.artifactLocation === undefined && p.address === undefined) out.push(`${at}: needs artifactLocation or address`);
  if (p.artifactLocation !== undefined) {
    const a = p.artifactLocation;
    if (!isObj(a) || (a.uri !== undefined && typeof a.uri !== 'string')) out.push(`${at}.artifactLocation.uri: string`);
  }
  region(p.region, `${at}.region`, out);
}

function result(r: unknown, at: string, ruleCount: number, out: string[]): void {
  if (!isObj(r)) return void out.push(`${at}: must be an object`);
  message(r.message, `${at}.message`, out);
  if (r.ruleId !== undefined && typeof r.ruleId !== 'string') out.push(`${at}.ruleId: string`);
  if (r.ruleIndex !== undefined && !(Number.isInteger(r.ruleIndex) && (r.ruleIndex as number) >= -1 && (r.ruleIndex as number) < ruleCount)) {
    out.push(`${at}.ruleIndex: -1 or an index into tool.driver.rules`);
  }
  if (r.level !== undefined && !LEVELS.includes(r.level as string)) out.push(`${at}.level: one of ${LEVELS.join(', ')}`);
  if (r.locations !== undefined) {
    if (!Array.isArray(r.locations)) out.push(`${at}.locations: array`);
    else r.locations.forEach((l, i) => {
      if (!isObj(l)) out.push(`${at}.locations[${i}]: must be an object`);
      else if (l.physicalLocation !== undefined) physicalLocation(l.physicalLocation, `${at}.locations[${i}].physicalLocation`, out);
    });
  }
  if (r.partialFingerprints !== undefined) {
    if (!isObj(r.partialFingerprints) || Object.values(r.partialFingerprints).some((v) => typeof v !== 'string')) {
      out.push(`${at}.partialFingerprints: object of strings`);
    }
  }
  if (r.suppressions !== undefined) {
    if (!Array.isArray(r.suppressions)) out.push(`${at}.suppressions: array`);
    else r.suppressions.forEach((s, i) => {
      if (!isObj(s) || !SUPPRESSION_KINDS.includes(s.kind as string)) out.push(`${at}.suppressions[${i}].kind: inSource or external`);
    });
  }
}

function driver(d: unknown, at: string, out: string[]): number {
  if (!isObj(d)) {
    out.push(`${at}: required`);
    return 0;
  }
  if (typeof d.name !== 'string') out.push(`${at}.name: required string`);
  if (d.informationUri !== undefined && !URL.canParse(String(d.informationUri))) out.push(`${at}.informationUri: absolute URI`);
  const rules = d.rules === undefined ? [] : d.rules;
  if (!Array.isArray(rules)) {
    out.push(`${at}.rules: array`);
    return 0;
  }
  rules.forEach((r, i) => {
    if (!isObj(r) || typeof r.id !== 'string') return void out.push(`${at}.rules[${i}].id: required string`);
    if (r.helpUri !== undefined && !URL.canParse(String(r.helpUri))) out.push(`${at}.rules[${i}].helpUri: absolute URI`);
    for (const k of ['shortDescription', 'fullDescription', 'help']) {
      if (r[k] !== undefined) message(r[k], `${at}.rules[${i}].${k}`, out);
    }
    const level = isObj(r.defaultConfiguration) ? r.defaultConfiguration.level : undefined;
    if (level !== undefined && !LEVELS.includes(level as string)) out.push(`${at}.rules[${i}].defaultConfiguration.level: level`);
  });
  return rules.length;
}

/** Problems found, each naming its JSON path; [] for a valid log. */
export function sarifProblems(log: unknown): string[] {
  const out: string[] = [];
  if (!isObj(log)) return ['log: must be an object'];
  if (log.version !== '2.1.0') out.push("version must be '2.1.0'");
  if (!Array.isArray(log.runs)) return [...out, 'runs: required array'];
  log.runs.forEach((run, i) => {
    const at = `runs[${i}]`;
    if (!isObj(run) || !isObj(run.tool)) return void out.push(`${at}.tool: required`);
    const ruleCount = driver(run.tool.driver, `${at}.tool.driver`, out);
    if (run.results !== undefined) {
      if (!Array.isArray(run.results)) out.push(`${at}.results: array`);
      else run.results.forEach((r, j) => result(r, `${at}.results[${j}]`, ruleCount, out));
    }
  });
  return out;
}
