import type { ReadContext, ReadResult } from '../types';
import type { FrameworkReader } from './reader';
import { applyInventory } from './inventory';
import type { FrameworkId } from '../types';
import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults, type ParallelLayout } from '../model/layout';
import { hintedReadContext, readHardwareHints } from './hardwareHints';
import { sanitizeSpec } from './sanity';
import { MAX_ANALYZED_CHARS } from './text';
import { readerFailed, safeScore } from './readerPolicy';
import { deepspeedReader } from './frameworks/deepspeed/reader';
import { gptNeoxReader } from './frameworks/gpt-neox/reader';
import { hfConfigReader } from './frameworks/hf-config/reader';
import { levanterReader } from './frameworks/levanter/reader';
import { litgptReader } from './frameworks/litgpt/reader';
import { llmFoundryReader } from './frameworks/llm-foundry/reader';
import { maxtextReader } from './frameworks/maxtext/reader';
import { megatronReader } from './frameworks/megatron/reader';
import { nanogptReader } from './frameworks/nanogpt/reader';
import { olmoReader } from './frameworks/olmo/reader';
import { olmoCoreReader } from './frameworks/olmo-core/reader';
import { torchtitanReader } from './frameworks/torchtitan/reader';
import { torchtitanPyReader } from './frameworks/torchtitan/python';
import { torchtuneReader } from './frameworks/torchtune/reader';
import { nanotronReader } from './frameworks/nanotron/reader';
import { nemoReader } from './frameworks/nemo/reader';
import { nemo2Reader } from './frameworks/nemo2/reader';
import { axolotlReader } from './frameworks/axolotl/reader';

/**
 * Every framework reader; recognition asks each and keeps the most confident. This list is the one
 * place a framework is registered: `FrameworkId`, the labels the client shows, the inventory and
 * fuzz tests and the folder check (test/unit/framework-folders.test.ts) all derive from it.
 */
export const READERS = [
  nanogptReader,
  litgptReader,
  torchtitanReader,
  torchtitanPyReader,
  gptNeoxReader,
  olmoReader,
  olmoCoreReader,
  llmFoundryReader,
  maxtextReader,
  megatronReader,
  levanterReader,
  hfConfigReader,
  deepspeedReader,
  torchtuneReader,
  nanotronReader,
  nemoReader,
  nemo2Reader,
  axolotlReader,
] as const satisfies readonly FrameworkReader<string>[];

/** The id of a registered framework (re-exported as `FrameworkId` by src/core/types.ts). */
export type RegisteredFrameworkId = (typeof READERS)[number]['id'];

// A reader declared without its literal id (`FrameworkReader` instead of `FrameworkReader<'x'>`)
// would widen every id to `string` and switch off the exhaustiveness checks: refuse to compile.
const IDS_ARE_LITERALS: string extends RegisteredFrameworkId ? never : true = true;
void IDS_ARE_LITERALS;

/** Minimum detect() score for a file to count as a run config. */
export const RECOGNITION_THRESHOLD = 0.5;

/** A reader's confidence about one text. */
export interface Candidate {
  reader: FrameworkReader;
  score: number;
}

/**
 * The stated tie rule: the highest score wins; at equal scores, readers of one framework are one
 * candidate (the first listed); across frameworks, the one whose id the path names wins (a file under
 * `torchtitan/`); otherwise the file is ambiguous and no reader is chosen — a guess between two
 * frameworks' conventions would be a number with no warning.
 */
export function pickReader(
  candidates: readonly Candidate[],
  path?: string,
): { reader?: FrameworkReader; ambiguous?: FrameworkReader[] } {
  const eligible = candidates.filter((c) => c.score >= RECOGNITION_THRESHOLD);
  if (eligible.length === 0) return {};
  const top = Math.max(...eligible.map((c) => c.score));
  const best = eligible.filter((c) => c.score === top);
  const frameworks: FrameworkReader[] = [];
  for (const c of best) if (!frameworks.some((r) => r.id === c.reader.id)) frameworks.push(c.reader);
  if (frameworks.length === 1) return { reader: frameworks[0]! };
  const lowerPath = (path ?? '').toLowerCase();
  const named = frameworks.filter((reader) => lowerPath.includes(reader.id));
  if (named.length === 1) return { reader: named[0]! };
  return { ambiguous: frameworks };
}

function candidatesFor(text: string, path?: string): Candidate[] {
  // Readers are built never to throw (neverThrowing); safeScore keeps that true for any reader.
  return READERS.map((reader) => ({ reader, score: safeScore(() => reader.detect(text, path)) }));
}

/** The reader most confident that `text` is its run config, or undefined (none, or a tie). */
export function recognize(text: string, path?: string): FrameworkReader | undefined {
  return pickReader(candidatesFor(text, path), path).reader;
}

/**
 * Recognize `text` by content and read it into a run spec. Never throws: oversized or binary input
 * and reader failures come back as `unreadable` with a diagnostic.
 */
export function readRunConfig(text: string, context: ReadContext = {}): ReadResult {
  if (text.length > MAX_ANALYZED_CHARS) {
    return {
      kind: 'unreadable',
      diagnostics: [
        {
          severity: 'info',
          code: 'file-too-large',
          message: `File too large to analyze (${(text.length / 1048576).toFixed(1)} MB; limit ${MAX_ANALYZED_CHARS / 1048576} MB).`,
        },
      ],
    };
  }
  // NUL bytes mean binary content with a text extension: not a config, and not worth parsing.
  if (text.slice(0, 8192).includes('\u0000')) return { kind: 'not-a-run-config' };
  // Editors hide a BOM; dropping it keeps YAML/JSON parsers happy (first-line offsets shift by one).
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const picked = pickReader(candidatesFor(source, context.path), context.path);
  if (picked.ambiguous) {
    return {
      kind: 'unreadable',
      diagnostics: [
        {
          severity: 'warning',
          code: 'ambiguous-framework',
          message: `This file reads equally well as ${picked.ambiguous.map((r) => r.id).join(' and ')}; Scaling Lens does not guess between their conventions (put the file under a folder named after its framework).`,
        },
      ],
    };
  }
  const reader = picked.reader;
  if (!reader) return { kind: 'not-a-run-config' };
  try {
    // The file's own device count completes D where the user set none (src/core/config/hardwareHints.ts).
    const hardware = readHardwareHints(source, context.path);
    const hinted = hintedReadContext(context, hardware);
    const result = reader.read(source, hinted.context);
    if (result.kind !== 'run-config') return result;
    const spec =
      reader.inventory && result.written
        ? applyInventory(result.spec, reader.inventory, result.written)
        : result.spec;
    // The parallel layout feeds the memory estimate; only frameworks with a layout reader have one.
    const layout = readLayoutWith(reader, source, hinted.context, spec.training.gpus, result.parsed);
    if (layout) spec.layout = layout;
    spec.hardware = hinted.attach(spec, hardware);
    return { kind: 'run-config', spec: sanitizeSpec(spec) };
  } catch (error) {
    // Also covers what follows `read` here (inventory, layout, sanity): one wording for every failure.
    return readerFailed(reader.id, reader.label, error);
  }
}

/**
 * The parallel layout a file states, read by its framework's layout hook (`FrameworkReader.layout`)
 * from the same text the framework reader parsed, reusing the reader's parse when given (a Megatron
 * script is lexed once; torchtitan's TOML parse is shared through the content-keyed cache).
 * Frameworks without a layout hook give undefined. bench/analyze.ts prints what this adds.
 */
export function readLayout(
  framework: FrameworkId,
  text: string,
  context: ReadContext = {},
  gpusFromFile?: number,
  parsed?: unknown,
): ParallelLayout | undefined {
  const reader = READERS.find((r) => r.id === framework);
  return reader ? readLayoutWith(reader, text, context, gpusFromFile, parsed) : undefined;
}

function readLayoutWith(
  reader: FrameworkReader,
  text: string,
  context: ReadContext,
  gpusFromFile: number | undefined,
  parsed: unknown,
): ParallelLayout | undefined {
  if (!reader.layout) return undefined;
  // The reader's GPU count can overflow (`NNODES=1e400`); the sanity pass drops it from the
  // training spec after this runs, so the layout drops it too (D and memory then use the setting).
  const usable = (g: number | undefined) =>
    g !== undefined && Number.isSafeInteger(g) && g > 0 ? g : undefined;
  const gpus = usable(gpusFromFile) ?? usable(context.options?.gpus);
  try {
    return reader.layout.read(text, { ...(gpus !== undefined ? { gpus } : {}), parsed, context });
  } catch {
    // A layout reader bug must never break the analysis; the layout is then simply absent.
    return undefined;
  }
}

/** The layout defaults of a framework (its folder's `layout.defaults`), else the generic ones. */
export function layoutDefaults(framework: FrameworkId): LayoutDefaults {
  return READERS.find((r) => r.id === framework && r.layout)?.layout?.defaults ?? GENERIC_LAYOUT_DEFAULTS;
}
