import { readRunConfig } from '../config/registry';
import { LineIndex } from '../config/text';
import { evaluateArithmetic, parseNumberLiteral } from '../config/values';
import {
  durationEditForTokens,
  integerLiteral,
  lrScheduleCompanionEdits,
  warmupCompanionEdits,
  type TextReplacement,
} from '../edits';
import type { ParamConvention } from '../laws/published';
import { countParams, type ParamCounts } from '../model/params';
import type { ArchField, ArchitectureSpec, FieldSource, ReadContext, RunSpec } from '../types';
import { ARCHITECTURE_CONVENTIONS } from './architecture';

/**
 * Applying a plan to a run config: rewrite the architecture keys the file states (layers, width,
 * heads, KV heads, head width, FFN width) and its training length, as text replacements of the
 * values' ranges only, so every other byte (comments, formatting, other keys) stays as it was.
 * The edited text is read again by the core, and the N and D it now describes are reported next to
 * the plan's. Pure: the editor turns the replacements into one WorkspaceEdit.
 */

/** The shape fields a plan can write (a subset of {@link ArchitectureSpec}). */
export type PlanShape = Partial<
  Pick<ArchitectureSpec, 'nLayers' | 'dModel' | 'nHeads' | 'nKvHeads' | 'headDim' | 'ffnSize'>
>;

/** What to apply: an architecture suggestion, a training length, or both. */
export interface PlanTarget {
  /** The suggested shape (e.g. ArchitectureSuggestion.architecture). */
  architecture?: PlanShape & Partial<ArchitectureSpec>;
  /** Planned training tokens D. */
  tokens?: number;
  /** Planned N, in `paramConvention`, to report against (and to correct the layer count for). */
  params?: number;
  paramConvention?: ParamConvention;
  /**
   * When the file's own conventions (vocabulary, MLP, biases) put the suggested shape more than 2%
   * off the planned N, change the layer count so the file's N is as close to the plan as whole layers
   * allow (default true; needs `params`).
   */
  matchParams?: boolean;
}

/** One value the plan rewrote. */
export interface AppliedChange {
  field: ArchField | 'duration';
  key: string;
  from: string;
  to: string;
}

/** The outcome of applying a plan. */
export interface PlanApplication {
  /** Replacements against the ORIGINAL text's positions, non-overlapping, in document order. */
  replacements: TextReplacement[];
  /** The text after the replacements. */
  text: string;
  changes: AppliedChange[];
  /** What was not changed and why, and where the file's conventions differ from the suggestion's. */
  notes: string[];
  /** The edited file as the core reads it. */
  result: {
    /** Exact counts of the edited architecture (null when it no longer reads as a run config). */
    params: ParamCounts | null;
    /** N in the plan's convention (active parameters for MoE, as the analysis uses). */
    paramsInConvention: number | null;
    tokens: number | null;
    /** (result − plan) / plan, when both are known. */
    paramsRelativeError?: number;
    tokensRelativeError?: number;
  };
}

/** Shape fields in the order they are applied (and reported). */
const SHAPE_FIELDS = ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'headDim', 'ffnSize'] as const;
type ShapeField = (typeof SHAPE_FIELDS)[number];

/** How each field is named in notes. */
const FIELD_LABEL: Record<ShapeField, string> = {
  nLayers: 'layer count',
  dModel: 'model width',
  nHeads: 'attention heads',
  nKvHeads: 'KV heads',
  headDim: 'head width',
  ffnSize: 'FFN width',
};

/**
 * Apply `target` to a config's text. `spec` is what the core read from `text` (readRunConfig);
 * `context` is used to read the edited text again (includes, sibling files, GPU count option).
 * Never throws; fields that cannot be rewritten are left alone and explained in `notes`.
 */
export function applyPlan(
  text: string,
  spec: RunSpec,
  target: PlanTarget,
  context: ReadContext = {},
): PlanApplication {
  // The readers drop a BOM before reading, so their ranges count from after it.
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  const source = bom ? text.slice(1) : text;
  const index = new LineIndex(source);
  const notes: string[] = [];
  const planned = new Map<string, Planned>();
  /** Fields the file does not state: explained after re-reading, with the value they end up at. */
  const unstated: ShapeField[] = [];

  const skipped: Skipped[] = [];
  const writable = new Set<ShapeField>();

  // A planned transformer shape does not carry over to a hybrid Mamba-2 stack (its layer kinds and
  // mixer widths are keys of their own): the architecture is left as it is.
  const hybrid = spec.architecture?.hybrid !== undefined;
  if (hybrid && target.architecture && SHAPE_FIELDS.some((f) => target.architecture![f] !== undefined)) {
    notes.push(
      'The architecture is a hybrid Mamba-2 stack: the planned transformer shape is not written (its layer kinds and Mamba-2 widths have no counterpart in the plan).',
    );
  }
  const shape = hybrid ? {} : (target.architecture ?? {});
  for (const field of SHAPE_FIELDS) {
    const wanted = shape[field];
    if (wanted === undefined) continue;
    if (!spec.archSources[field]) unstated.push(field);
    else if (planShapeField(field, wanted, spec, index, planned, skipped)) writable.add(field);
  }
  skippedNotes(skipped, notes);

  const replacementsFor = () => [...planned.values()];
  // Correct the layer count when the file's conventions move N off the plan.
  const wantsMatch = target.matchParams !== false && target.params !== undefined && target.params > 0;
  if (wantsMatch && writable.has('nLayers')) {
    const reread = readArchitecture(bom + applyReplacements(source, replacementsFor()), context);
    if (reread) {
      const convention = target.paramConvention ?? 'total';
      const count = (nLayers: number) => paramsInConvention(countParams({ ...reread, nLayers }), convention);
      const planParams = target.params!;
      const current = count(reread.nLayers);
      if (Math.abs(current - planParams) / planParams > ARCHITECTURE_CONVENTIONS.matchTolerance) {
        // N is affine in the layer count: fixed + nLayers · perLayer.
        const perLayer = count(2) - count(1);
        const fixed = count(1) - perLayer;
        const ideal = perLayer > 0 ? (planParams - fixed) / perLayer : reread.nLayers;
        const candidates = [Math.max(1, Math.floor(ideal)), Math.max(1, Math.ceil(ideal))];
        const best = candidates.reduce((a, b) =>
          Math.abs(count(a) - planParams) <= Math.abs(count(b) - planParams) ? a : b,
        );
        if (best !== reread.nLayers) {
          const suggested = shape.nLayers;
          planned.delete('nLayers');
          planShapeField('nLayers', best, spec, index, planned, []);
          notes.push(
            `Layers set to ${best} instead of the suggested ${suggested ?? reread.nLayers}: with this file's own conventions the suggested shape has ${formatParams(current)} parameters, ${formatPercent((current - planParams) / planParams)} off the plan.`,
          );
        }
      }
    }
  }

  if (target.tokens !== undefined && planDuration(target.tokens, spec, index, planned, notes))
    correctDuration(target.tokens, spec, index, planned, (items) =>
      readTokens(bom + applyReplacements(source, items), context),
    );

  // An LR decay horizon equal to the old run length was tied to it: keep it tied.
  const durationEntry = planned.get('duration');
  const durationSource = spec.trainingSources.duration;
  if (durationEntry && durationSource) {
    lrScheduleCompanionEdits(source, durationSource, durationEntry.replacement.newText, (o) =>
      index.positionAt(o),
    ).forEach((companion, i) => {
      planned.set(`lrDecay:${i}`, {
        field: 'duration',
        replacement: { range: companion.range, newText: companion.newText },
        change: {
          field: 'duration',
          key: companion.key,
          from: durationSource.raw.trim(),
          to: companion.newText,
        },
        start: companion.start,
        end: companion.end,
      });
      notes.push(`${companion.key} followed the training length (it was equal to ${durationSource.key}).`);
    });
    if (spec.training.durationUnit?.kind === 'steps') {
      warmupCompanionEdits(source, durationSource, durationEntry.replacement.newText, (o) =>
        index.positionAt(o),
      ).forEach((companion, i) => {
        planned.set(`warmup:${i}`, {
          field: 'duration',
          replacement: { range: companion.range, newText: companion.newText },
          change: {
            field: 'duration',
            key: companion.key,
            from: source.slice(companion.start, companion.end),
            to: companion.newText,
          },
          start: companion.start,
          end: companion.end,
        });
        notes.push(
          `${companion.key} scaled to ${companion.newText} with the run (the shorter run would end inside its warmup).`,
        );
      });
    }
  }

  // Two fields backed by one key (or overlapping ranges) cannot both be rewritten.
  const ordered = dropOverlaps(replacementsFor(), notes);
  const edited = bom + applyReplacements(source, ordered);

  const result = rereadResult(edited, context, target);
  const tokensError = result.summary.tokensRelativeError;
  if (tokensError !== undefined && Math.abs(tokensError) > DURATION_TOLERANCE * 2)
    notes.push(
      `After the edit the file trains on ${formatParams(result.summary.tokens!)} tokens, ${formatPercent(tokensError)} off the planned ${formatParams(target.tokens!)}${result.formula ? ` (${result.formula})` : ''}.`,
    );
  for (const field of unstated) {
    const now = result.architecture?.[field] ?? spec.architecture?.[field];
    if (now !== shape[field])
      notes.push(
        `The file does not state the ${FIELD_LABEL[field]}; it reads as ${now ?? 'unset'} (framework default or derived), not the suggested ${shape[field]}.`,
      );
  }
  conventionNotes(spec, shape, result.architecture, notes);
  return {
    replacements: ordered.map((p) => p.replacement),
    text: edited,
    changes: ordered.map((p) => p.change),
    notes,
    result: result.summary,
  };
}

interface Planned {
  field: ArchField | 'duration';
  replacement: TextReplacement;
  change: AppliedChange;
  start: number;
  end: number;
}

/** A stated field the plan could not rewrite, grouped by the key that states it for the notes. */
interface Skipped {
  field: ShapeField;
  source: FieldSource;
  current: number | undefined;
  wanted: number;
}

/**
 * Plan the replacement of one shape field. Returns whether the field is writable (stated in this
 * file by a key whose value is the number itself); unwritable fields that would change go to `skipped`.
 */
function planShapeField(
  field: ShapeField,
  wanted: number,
  spec: RunSpec,
  index: LineIndex,
  planned: Map<string, Planned>,
  skipped: Skipped[],
): boolean {
  const current = spec.architecture?.[field];
  const source = spec.archSources[field];
  if (!source) return false;
  // Inherited values (another file, a model table) and keys that state the value in another
  // convention (expansion ratios, model names) are not this field's number.
  const raw = source.file ? undefined : rawNumber(source.raw);
  if (raw === undefined || raw !== current) {
    if (current !== wanted) skipped.push({ field, source, current, wanted });
    return false;
  }
  if (wanted === current) return true;
  const newText = numberLike(source.raw, wanted);
  planned.set(field, {
    field,
    replacement: { range: source.valueRange, newText },
    change: { field, key: source.key, from: source.raw.trim(), to: newText },
    start: index.offsetAt(source.valueRange.start),
    end: index.offsetAt(source.valueRange.end),
  });
  return true;
}

/** One note per key that blocked a change. */
function skippedNotes(skipped: readonly Skipped[], notes: string[]): void {
  const groups = new Map<string, Skipped[]>();
  for (const item of skipped) {
    const { file, key, valueRange } = item.source;
    const id = `${file ?? ''}|${key}|${valueRange.start.line}:${valueRange.start.character}`;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  for (const items of groups.values()) {
    const { source } = items[0];
    const what = items.map((i) => `${FIELD_LABEL[i.field]} ${i.current} → ${i.wanted}`).join(', ');
    if (source.file) {
      notes.push(`${source.key} comes from ${source.file}; change it there (${what}).`);
    } else if (items.length === 1 && items[0].field === 'ffnSize') {
      notes.push(
        `${source.key} = ${source.raw.trim()} is not the per-branch FFN width ${items[0].current} (the file uses another convention); left unchanged (wanted ${items[0].wanted}).`,
      );
    } else {
      notes.push(
        `${source.key} = ${source.raw.trim()} determines the architecture indirectly; left unchanged (${what}). State the keys explicitly to apply the shape.`,
      );
    }
  }
}

/** Relative D error the duration correction stops at (the edit itself rounds to 3 digits). */
const DURATION_TOLERANCE = 0.005;

/** Plan the duration replacement for `tokens`; false (with a note) when the key cannot be rewritten. */
function planDuration(
  tokens: number,
  spec: RunSpec,
  index: LineIndex,
  planned: Map<string, Planned>,
  notes: string[],
): boolean {
  const source = spec.trainingSources.duration;
  const unit = spec.training.durationUnit;
  if (!source || !unit) {
    notes.push('The file has no training-length key Scaling Lens can rewrite; set D yourself.');
    return false;
  }
  if (source.file) {
    notes.push(`The training length comes from ${source.file} (${source.key}); change it there.`);
    return false;
  }
  const edit = durationEditForTokens(source, unit, tokens);
  if (!edit.ok) {
    notes.push(`${source.key} not changed: ${edit.reason}.`);
    return false;
  }
  const { edit: replacement } = edit.value;
  planned.delete('duration');
  if (replacement.newText === source.raw) return true;
  planned.set('duration', {
    field: 'duration',
    replacement,
    change: { field: 'duration', key: source.key, from: source.raw.trim(), to: replacement.newText },
    start: index.offsetAt(source.valueRange.start),
    end: index.offsetAt(source.valueRange.end),
  });
  return true;
}

/**
 * The duration edit assumes D is proportional to the key's value; batch-size ramp-ups and other
 * schedules make it only monotone. Re-read the edited file and refine the requested tokens by the
 * secant method (a few reads of a small file), keeping the closest result.
 */
function correctDuration(
  target: number,
  spec: RunSpec,
  index: LineIndex,
  planned: Map<string, Planned>,
  tokensAfter: (items: Planned[]) => number | undefined,
): void {
  const error = (achieved: number | undefined) =>
    achieved === undefined ? Infinity : Math.abs(achieved - target) / target;
  let requested = target;
  let achieved = tokensAfter([...planned.values()]);
  let best = { error: error(achieved), entry: planned.get('duration') };
  let previous: { requested: number; achieved: number } | undefined;
  for (let i = 0; i < 8 && achieved !== undefined && achieved > 0 && best.error > DURATION_TOLERANCE; i++) {
    const slope =
      previous && previous.achieved !== achieved
        ? (achieved - previous.achieved) / (requested - previous.requested)
        : 0;
    const next = slope > 0 ? requested + (target - achieved) / slope : requested * (target / achieved);
    if (!(Number.isFinite(next) && next > 0)) break;
    previous = { requested, achieved };
    requested = next;
    if (!planDuration(requested, spec, index, planned, [])) break;
    achieved = tokensAfter([...planned.values()]);
    if (error(achieved) < best.error) best = { error: error(achieved), entry: planned.get('duration') };
    // A capped run (another key stops it earlier) does not move: stop trying.
    if (achieved === previous.achieved) break;
  }
  planned.delete('duration');
  if (best.entry) planned.set('duration', best.entry);
}

function readTokens(text: string, context: ReadContext): number | undefined {
  const read = readRunConfig(text, context);
  return read.kind === 'run-config' ? read.spec.training.tokens : undefined;
}

/** The number a raw value states: a literal (quoted or not, `_` grouping) or integer arithmetic. */
function rawNumber(raw: string): number | undefined {
  const { inner } = splitQuotes(raw);
  return parseNumberLiteral(inner) ?? evaluateArithmetic(inner.trim());
}

/** `value` written the way `raw` was (quotes, `_` grouping). */
function numberLike(raw: string, value: number): string {
  const { quote, inner } = splitQuotes(raw);
  const q = quote ?? '';
  return `${q}${integerLiteral(value, /\d_\d/.test(inner))}${q}`;
}

function splitQuotes(raw: string): { quote: string | undefined; inner: string } {
  const trimmed = raw.trim();
  const first = trimmed[0];
  if ((first === '"' || first === "'") && trimmed.length >= 2 && trimmed.endsWith(first))
    return { quote: first, inner: trimmed.slice(1, -1) };
  return { quote: undefined, inner: trimmed };
}

/** Replacements sorted by position, without overlaps (the later of two overlapping ones is dropped). */
function dropOverlaps(items: Planned[], notes: string[]): Planned[] {
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  const kept: Planned[] = [];
  for (const item of sorted) {
    const previous = kept.at(-1);
    if (previous && item.start < previous.end) {
      if (previous.replacement.newText !== item.replacement.newText)
        notes.push(
          `${item.change.key} also sets another planned value (${previous.field}); left at ${previous.replacement.newText}.`,
        );
      continue;
    }
    kept.push(item);
  }
  return kept;
}

function applyReplacements(source: string, items: Planned[]): string {
  let out = '';
  let cursor = 0;
  for (const item of [...items].sort((a, b) => a.start - b.start)) {
    if (item.start < cursor) continue;
    out += source.slice(cursor, item.start) + item.replacement.newText;
    cursor = item.end;
  }
  return out + source.slice(cursor);
}

function readArchitecture(text: string, context: ReadContext): ArchitectureSpec | undefined {
  const read = readRunConfig(text, context);
  return read.kind === 'run-config' ? read.spec.architecture : undefined;
}

function paramsInConvention(counts: ParamCounts, convention: ParamConvention): number {
  return convention === 'non-embedding' ? counts.activeNonEmbedding : counts.active;
}

function rereadResult(
  text: string,
  context: ReadContext,
  target: PlanTarget,
): { summary: PlanApplication['result']; architecture?: ArchitectureSpec; formula?: string } {
  const read = readRunConfig(text, context);
  if (read.kind !== 'run-config')
    return { summary: { params: null, paramsInConvention: null, tokens: null } };
  const architecture = read.spec.architecture;
  const params = architecture ? countParams(architecture) : null;
  const inConvention = params ? paramsInConvention(params, target.paramConvention ?? 'total') : null;
  const tokens = read.spec.training.tokens ?? null;
  const relative = (value: number | null, plan: number | undefined) =>
    value !== null && plan !== undefined && plan > 0 ? (value - plan) / plan : undefined;
  const paramsRelativeError = relative(inConvention, target.params);
  const tokensRelativeError = relative(tokens, target.tokens);
  return {
    summary: {
      params,
      paramsInConvention: inConvention,
      tokens,
      ...(paramsRelativeError !== undefined ? { paramsRelativeError } : {}),
      ...(tokensRelativeError !== undefined ? { tokensRelativeError } : {}),
    },
    architecture,
    formula: read.spec.training.formula,
  };
}

/** Where the file's own conventions differ from the (LLaMA-style) suggestion, so N differs too. */
function conventionNotes(
  spec: RunSpec,
  suggestion: Partial<ArchitectureSpec>,
  edited: ArchitectureSpec | undefined,
  notes: string[],
): void {
  const file = edited ?? spec.architecture;
  if (!file || !('vocabSize' in suggestion)) return;
  const differences: string[] = [];
  if (suggestion.vocabSize !== undefined && file.vocabSize !== suggestion.vocabSize)
    differences.push(`vocabulary ${file.vocabSize} (suggestion ${suggestion.vocabSize})`);
  if (suggestion.gatedMlp !== undefined && file.gatedMlp !== suggestion.gatedMlp)
    differences.push(file.gatedMlp ? 'a gated MLP' : 'a non-gated MLP');
  if (suggestion.tiedEmbeddings !== undefined && file.tiedEmbeddings !== suggestion.tiedEmbeddings)
    differences.push(file.tiedEmbeddings ? 'tied embeddings' : 'untied embeddings');
  if (file.learnedPositions > 0) differences.push(`${file.learnedPositions} learned positions`);
  if (file.qkvBias || file.attnOutBias || file.mlpBias) differences.push('linear biases');
  if (file.moe) differences.push(`mixture of experts (${file.moe.nExperts} experts)`);
  if (edited && suggestion.ffnSize !== undefined && edited.ffnSize !== suggestion.ffnSize)
    differences.push(`FFN width ${edited.ffnSize} (suggestion ${suggestion.ffnSize})`);
  if (differences.length)
    notes.push(
      `This file keeps its own conventions: ${differences.join(', ')}; its N differs from the suggestion's count accordingly.`,
    );
}

function formatParams(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function formatPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}

/** The compute-optimal (or any) training-length fix for a config, as the editor offers it. */
export interface DurationFix {
  replacements: TextReplacement[];
  /** Tokens the edited file trains on (re-read, not assumed). */
  tokens: number;
  /** The duration value written, e.g. `6365` or `"2.49e9T"`. */
  written: string;
  /** Other keys rewritten with it (LR-decay horizons tied to the run length). */
  alsoChanged: string[];
  /**
   * True when the edited file does not reach the target within 5% (another stopping criterion such
   * as OLMo `stop_at` or Megatron `--train-samples` caps it); `notes` say which.
   */
  capped: boolean;
  notes: string[];
}

/**
 * Set the run length to `targetTokens` by rewriting only the duration value (and tied LR-decay keys),
 * refined by re-reading so batch ramp-ups land on the target; undefined when no edit is possible.
 * Shared by the quick fix and the plan command so both promise exactly what the file will say.
 */
export function durationFix(
  text: string,
  spec: RunSpec,
  targetTokens: number,
  context: ReadContext = {},
): DurationFix | undefined {
  const source = spec.trainingSources.duration;
  if (!source || source.file || !(targetTokens > 0)) return undefined;
  const applied = applyPlan(text, spec, { tokens: targetTokens }, context);
  const main = applied.changes.find((change) => change.field === 'duration' && change.key === source.key);
  const tokens = applied.result.tokens;
  if (!main || tokens === null || !(tokens > 0)) return undefined;
  return {
    replacements: applied.replacements,
    tokens,
    written: main.to,
    alsoChanged: applied.changes.filter((change) => change !== main).map((change) => change.key),
    capped: Math.abs(tokens - targetTokens) / targetTokens > 0.05,
    notes: applied.notes,
  };
}
