// What the commands call to render an AnalysisResult.
export { renderText, findingLine, summaryLine, type TextOptions } from './text.ts';
export { renderJson, jsonReport, type JsonReport } from './json.ts';
export { renderSarif, sarifLog, type SarifLog, type SarifOptions } from './sarif.ts';
