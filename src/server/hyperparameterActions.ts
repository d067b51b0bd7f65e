/**
 * Quick fixes for the LR-vs-laws diagnostic (issue 14 item 3): when the config's peak LR is more
 * than 2× from a law's optimum (DeepSeek-AI 2024 or Li et al. 2025 Step Law,
 * src/core/laws/hyperparameters.ts), one fix per such law rewrites the LR value in place, in the
 * file's own notation (exponent or decimal, `e`/`E`, quotes, a shell variable's assignment), so
 * comments and formatting stay and one undo reverts it. Each fix is re-read: it is offered only when
 * the edited file's peak LR (as the framework's schedule extractor reads it) equals the value in the
 * title, and N and D are exactly the unedited file's — an LR fix must not change the run.
 */
import { CodeActionKind, type CodeAction, type WorkspaceEdit } from 'vscode-languageserver';
import { analyzeText, type Analysis, type AnalysisSettings } from '../core/analyze';
import { LineIndex } from '../core/config/text';
import type { ReadContext } from '../core/types';
import type { CodeActionRequest } from './codeActions';
import { formatCount } from '../core/format';
import { durationFix } from '../core/plan/applyPlan';
import {
  BATCH_DIAGNOSTIC_CODE,
  batchFixBlocker,
  INTEGER_LITERAL,
  HYPERPARAMETER_DIAGNOSTIC_CODE,
  lawsFarFromBatch,
  lawsFarFromLr,
} from './hyperparameterDiagnostics';
import type { DocumentResult } from './model';
import { formatLr } from './scheduleHover';

/** Short law names for titles. */
export const LAW_SHORT_LABELS: Record<string, string> = {
  steplaw2025: 'Step Law 2025',
  deepseek2024: 'DeepSeek 2024',
};

/** One replacement, by offsets into the document text. */
export interface OffsetReplacement {
  start: number;
  end: number;
  newText: string;
}

/** An LR fix: the edit, the value it writes, and the analysis of the edited file. */
export interface LrFix {
  law: string;
  title: string;
  /** The optimum as the title prints it (3 significant digits), which the edited file reads back. */
  printed: number;
  /** The literal written into the file. */
  written: string;
  replacement: OffsetReplacement;
  text: string;
  analysis: Analysis;
}

const NUMBER = String.raw`[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
/** After the key: a closing quote of a quoted key, the separator, then the value (maybe quoted). */
const VALUE_AFTER_KEY = new RegExp(
  String.raw`^(["']?)(\s*[:=]\s*|\s+)(["']?)(${NUMBER}|\$\{?[A-Za-z_]\w*\}?)\3(?=$|[\s,#;}\])\\])`,
);

/**
 * Where the LR literal is: right after the key on its line, or, for a shell `--lr $LR`, the unique
 * `LR=…` assignment in the file. Undefined when the value is not a plain number (an expression, a
 * variable assigned twice or from another variable): no fix then, rather than a guess.
 */
export function lrLiteral(
  text: string,
  a: Analysis,
): { start: number; end: number; raw: string } | undefined {
  const where = a.hyperparameters?.config.learningRateKey;
  if (!where?.range) return undefined;
  const lines = new LineIndex(text);
  const lineStart = lines.offsetAt({ line: where.range.end.line, character: 0 });
  const keyEnd = lines.offsetAt(where.range.end);
  const lineEnd = text.indexOf('\n', keyEnd);
  const rest = text.slice(keyEnd, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
  if (keyEnd < lineStart) return undefined;
  const m = VALUE_AFTER_KEY.exec(rest);
  if (!m) return undefined;
  const value = m[4]!;
  const start = keyEnd + m[1]!.length + m[2]!.length + m[3]!.length;
  if (!value.startsWith('$')) return { start, end: start + value.length, raw: value };
  const name = /\w+/.exec(value.slice(1))![0];
  const assignment = new RegExp(
    String.raw`^([ \t]*(?:export[ \t]+)?${name}=)(["']?)(${NUMBER})\2(?=[ \t]*(?:#.*)?$)`,
    'gm',
  );
  const found = [...text.matchAll(assignment)];
  // Any other assignment of the variable (e.g. from an argument) makes the literal ambiguous.
  const anyAssignment = new RegExp(String.raw`^[ \t]*(?:export[ \t]+)?${name}=`, 'gm');
  if (found.length !== 1 || [...text.matchAll(anyAssignment)].length !== 1) return undefined;
  const f = found[0]!;
  const s = f.index! + f[1]!.length + f[2]!.length;
  return { start: s, end: s + f[3]!.length, raw: f[3]! };
}

/**
 * `value` (already rounded to the printed digits) spelled like `original`: exponent form with the
 * same `e`/`E` and a mantissa dot when the original had one (PyYAML reads `3e-3` as a string, so a
 * file that wrote `6.0e-4` keeps `3.0e-3`), or a plain decimal when the original was one.
 */
export function lrLiteralLike(original: string, value: number): string {
  const exp = /[eE]/.exec(original);
  if (exp) {
    const [mantissa, exponent] = value.toExponential(2).split('e');
    let m = mantissa!.replace(/\.?0+$/, '');
    const hadDot = /\./.test(original.slice(0, exp.index));
    if (hadDot && !m.includes('.')) m += '.0';
    return `${m}${exp[0]}${Number(exponent)}`;
  }
  // Decimal: enough places for 3 significant digits, trailing zeros dropped.
  const places = Math.max(1, 2 - Math.floor(Math.log10(value)));
  let s = value.toFixed(Math.min(places, 20));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  return s;
}

/** The LR fixes for a document's text (pure; the property test calls it directly). */
export function lrFixes(
  text: string,
  a: Analysis,
  context: ReadContext,
  settings: AnalysisSettings,
): LrFix[] {
  const far = lawsFarFromLr(a);
  if (far.length === 0) return [];
  const literal = lrLiteral(text, a);
  const key = a.hyperparameters?.config.learningRateKey?.key;
  if (!literal || !key) return [];
  // The literal must be the LR the analysis read (not a base LR a scheduler multiplies).
  const current = Number(literal.raw.replace(/_/g, ''));
  const lr = a.hyperparameters!.config.learningRate!;
  if (!(Math.abs(current - lr) <= 1e-12 * lr)) return [];
  // N and D as this same path reads the unedited text, so a fix is judged only by its own edit.
  const base = analyzeText(text, context, settings).analysis;
  if (!base) return [];
  const fixes: LrFix[] = [];
  for (const { law, optimum } of far) {
    const printedText = formatLr(optimum);
    const printed = Number(printedText);
    const written = lrLiteralLike(literal.raw, printed);
    if (Number(written) !== printed) continue;
    const edited = text.slice(0, literal.start) + written + text.slice(literal.end);
    const after = analyzeText(edited, context, settings).analysis;
    const readBack = after?.hyperparameters?.config.learningRate;
    if (!after || readBack === null || readBack === undefined) continue;
    if (!(Math.abs(readBack - printed) <= 1e-12 * printed)) continue;
    if (!sameScale(base, after)) continue;
    fixes.push({
      law,
      title: `Set ${key} to ${printedText} (${LAW_SHORT_LABELS[law] ?? law} optimum)`,
      printed,
      written,
      replacement: { start: literal.start, end: literal.end, newText: written },
      text: edited,
      analysis: after,
    });
  }
  return fixes;
}

/** N and D (and the framework) of two analyses are exactly equal. */
export function sameScale(a: Analysis, b: Analysis): boolean {
  return (
    b.framework === a.framework &&
    b.params?.total === a.params?.total &&
    b.params?.active === a.params?.active &&
    b.tokens === a.tokens
  );
}

/** Code actions for the LR and batch diagnostics in a code-action request (the codeActions.ts hook). */
export function hyperparameterCodeActions(result: DocumentResult, request: CodeActionRequest): CodeAction[] {
  return [...lrCodeActions(result, request), ...batchCodeActions(result, request)];
}

/** Code actions for the LR diagnostic in a code-action request. */
export function lrCodeActions(result: DocumentResult, request: CodeActionRequest): CodeAction[] {
  const a = result.analysis;
  const related = request.diagnostics.filter((d) => d.code === HYPERPARAMETER_DIAGNOSTIC_CODE);
  // Fixes re-read their own edit, so they need the document's current text.
  if (!a?.hyperparameters || related.length === 0 || request.text === undefined) return [];
  const fixes = lrFixes(request.text, a, request.readContext ?? {}, result.analysisSettings);
  const lines = new LineIndex(request.text);
  return fixes.map((fix) => {
    const edits = [
      {
        range: { start: lines.positionAt(fix.replacement.start), end: lines.positionAt(fix.replacement.end) },
        newText: fix.replacement.newText,
      },
    ];
    const edit: WorkspaceEdit = request.documentChanges
      ? { documentChanges: [{ textDocument: { uri: request.uri, version: request.version }, edits }] }
      : { changes: { [request.uri]: edits } };
    // Neither law is preferred: they disagree with each other (the diagnostic says so).
    return { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: related, edit };
  });
}

// ---------------------------------------------------------------------------------------------
// Global batch (issue 14 item 3, second half): the law's batch in sequences, rounded to a multiple
// of micro-batch × data-parallel where the file states them, with the run length rewritten so D
// stays within 1% (the duration fix's own machinery, src/core/plan/applyPlan.ts durationFix).

/** Relative change of D a batch fix may cause (rounding the new step count). */
export const BATCH_FIX_D_TOLERANCE = 0.01;

/** A positive integer a training field's source states as a plain literal, if it does. */
function statedInteger(a: Analysis, field: 'microBatch' | 'dataParallel'): number | undefined {
  const source = a.spec.trainingSources[field];
  if (!source || source.file) return undefined;
  const m = INTEGER_LITERAL.exec(source.raw.trim());
  const value = m ? Number(m[2]!.replace(/_/g, '')) : NaN;
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** A batch fix: the edits (offsets into the original text), the edited text and its analysis. */
export interface BatchFix {
  law: string;
  title: string;
  sequences: number;
  replacements: OffsetReplacement[];
  text: string;
  analysis: Analysis;
}

/** The batch fixes for a document's text (pure; the property test calls it directly). */
export function batchFixes(
  text: string,
  a: Analysis,
  context: ReadContext,
  settings: AnalysisSettings,
): BatchFix[] {
  const far = lawsFarFromBatch(a);
  // Readers' ranges count from after a BOM; the offsets below would not.
  if (far.length === 0 || batchFixBlocker(a) !== undefined || text.charCodeAt(0) === 0xfeff) return [];
  const base = analyzeText(text, context, settings).analysis;
  const seqLen = a.spec.training.seqLen!;
  if (!base || base.tokens === null || !(base.tokens > 0)) return [];
  const D = base.tokens;
  const source = a.spec.trainingSources.globalBatch!;
  const lines = new LineIndex(text);
  const bs = lines.offsetAt(source.valueRange.start);
  const be = lines.offsetAt(source.valueRange.end);
  const quote = INTEGER_LITERAL.exec(source.raw.trim())![1]!;
  const grouped = /\d_\d/.test(source.raw);
  const step = (statedInteger(a, 'microBatch') ?? 1) * (statedInteger(a, 'dataParallel') ?? 1);
  const current = a.spec.training.globalBatchSeqs;
  const fixes: BatchFix[] = [];
  const seen = new Set<number>();
  for (const law of far) {
    const sequences = Math.max(step, Math.round(law.sequences / step) * step);
    if (sequences === current || seen.has(sequences)) continue;
    const digits = String(sequences);
    const literal = `${quote}${grouped ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, '_') : digits}${quote}`;
    const text1 = text.slice(0, bs) + literal + text.slice(be);
    let replacements: OffsetReplacement[] = [{ start: bs, end: be, newText: literal }];
    const first = analyzeText(text1, context, settings).analysis;
    if (!first || first.tokens === null) continue;
    let stepsNote = '';
    if (Math.abs(first.tokens - D) / D > BATCH_FIX_D_TOLERANCE) {
      // The run length counts steps (or is capped by them): rewrite it for the original D.
      const fix = durationFix(text1, first.spec, D, context);
      if (!fix || fix.capped) continue;
      const lines1 = new LineIndex(text1);
      const shift = literal.length - (be - bs);
      const mapped: OffsetReplacement[] = [];
      let overlaps = false;
      for (const r of fix.replacements) {
        const s1 = lines1.offsetAt(r.range.start);
        const e1 = lines1.offsetAt(r.range.end);
        if (e1 <= bs) mapped.push({ start: s1, end: e1, newText: r.newText });
        else if (s1 >= bs + literal.length)
          mapped.push({ start: s1 - shift, end: e1 - shift, newText: r.newText });
        else overlaps = true;
      }
      if (overlaps) continue;
      replacements = [...replacements, ...mapped].sort((x, y) => x.start - y.start);
      const also = fix.alsoChanged.length ? ` and ${[...new Set(fix.alsoChanged)].join(', ')}` : '';
      stepsNote = `, ${first.spec.trainingSources.duration!.key} → ${fix.written}${also} to keep D`;
    }
    const edited = applyOffsetReplacements(text, replacements);
    if (edited === undefined) continue;
    const after = analyzeText(edited, context, settings).analysis;
    // Re-read: the new batch is what the file now says, N unchanged, D within 1%, LR untouched.
    if (
      !after ||
      after.spec.training.globalBatchSeqs !== sequences ||
      after.spec.training.tokensPerStep !== sequences * seqLen ||
      after.framework !== base.framework ||
      after.params?.total !== base.params?.total ||
      after.params?.active !== base.params?.active ||
      after.tokens === null ||
      Math.abs(after.tokens - D) / D > BATCH_FIX_D_TOLERANCE ||
      after.hyperparameters?.config.learningRate !== base.hyperparameters?.config.learningRate
    )
      continue;
    seen.add(sequences);
    const multiple = step > 1 ? `, a multiple of ${step}` : '';
    fixes.push({
      law: law.law,
      title: `Set ${source.key} to ${sequences.toLocaleString('en-US')} sequences (${LAW_SHORT_LABELS[law.law] ?? law.law} optimum ≈ ${formatCount(law.tokens)} tokens${multiple})${stepsNote}`,
      sequences,
      replacements,
      text: edited,
      analysis: after,
    });
  }
  return fixes;
}

/** Apply non-overlapping offset replacements (sorted by start); undefined when they overlap. */
export function applyOffsetReplacements(
  text: string,
  replacements: readonly OffsetReplacement[],
): string | undefined {
  let out = '';
  let at = 0;
  for (const r of replacements) {
    if (r.start < at || r.end < r.start) return undefined;
    out += text.slice(at, r.start) + r.newText;
    at = r.end;
  }
  return out + text.slice(at);
}

/** Code actions for the batch diagnostic in a code-action request. */
export function batchCodeActions(result: DocumentResult, request: CodeActionRequest): CodeAction[] {
  const a = result.analysis;
  const related = request.diagnostics.filter((d) => d.code === BATCH_DIAGNOSTIC_CODE);
  if (!a?.hyperparameters || related.length === 0 || request.text === undefined) return [];
  const fixes = batchFixes(request.text, a, request.readContext ?? {}, result.analysisSettings);
  const lines = new LineIndex(request.text);
  return fixes.map((fix) => {
    const edits = fix.replacements.map((r) => ({
      range: { start: lines.positionAt(r.start), end: lines.positionAt(r.end) },
      newText: r.newText,
    }));
    const edit: WorkspaceEdit = request.documentChanges
      ? { documentChanges: [{ textDocument: { uri: request.uri, version: request.version }, edits }] }
      : { changes: { [request.uri]: edits } };
    return { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: related, edit };
  });
}
