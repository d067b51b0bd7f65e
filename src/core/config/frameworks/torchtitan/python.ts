import type { CoreDiagnostic, FieldSource, ReadContext, ReadResult, RunSpec } from '../../../types';
import { countParams } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { neverThrowing, asTypedIntAtLeast } from '../../readerPolicy';
import { LineIndex } from '../../text';
import { titanArchitecture, TITAN_FLAVORS, TITAN_SOURCES } from './models';
import { TORCHTITAN_PY_INVENTORY } from './inventory';

/**
 * torchtitan's Python config registry (from mid 2026: `torchtitan/models/<name>/config_registry.py`,
 * pytorch/torchtitan@b5bcd76c). TOML job files were replaced by functions returning
 * `Trainer.Config`, selected with `--module <name> --config <function>`; one file defines many runs.
 * The file is read statically, never executed: each `def <run>() -> Trainer.Config:` with the
 * flavor it passes to `model_registry("<flavor>")` (or inherits from the run it calls) and its
 * `TrainingConfig(steps=..., num_tokens_per_microbatch_per_dp_rank=...)`. With several runs there
 * is no single N or D: the spec says so and lists each run with its N from the generated flavor
 * table of the same commit. A file with one run gets that run's N.
 */

/** Most runs listed (a hostile file with thousands of functions is cut). */
const MAX_RUNS = 200;

/** Most `model_registry(` calls read per run (the last ones win anyway). */
const MAX_CALLS_PER_RUN = 16;

const RUN_DEF =
  /^def ([A-Za-z_][A-Za-z0-9_]*)\(\s*\)\s*->\s*(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]*Trainer\.Config\s*:[ \t]*$/gm;

function detect(text: string): number {
  if (!/^\s*(from|import)\s+torchtitan\b/m.test(text)) return 0;
  RUN_DEF.lastIndex = 0;
  if (!RUN_DEF.test(text)) return 0;
  return /\bTrainer\.Config\(/.test(text) || /\bmodel_registry\(/.test(text) ? 0.95 : 0.6;
}

/** One `def ...() -> Trainer.Config` run as read from its body. */
interface PyRun {
  name: string;
  nameStart: number;
  body: string;
  flavor?: string;
  /** Another run this one starts from (`config = llama3_debugmodel()`). */
  base?: string;
  steps?: number;
  tokensPerMicrobatch?: number;
  /** Converters other than the quantization ones (LoRA) passed to model_registry. */
  converters: string[];
  /** The body edits the model spec beyond choosing a flavor (`config.model_spec.model.x = ...`). */
  editsModel: boolean;
}

/** The text inside the parentheses that open at `open` (strings skipped), or undefined. */
function parenthesized(text: string, open: number): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/** An integer written as a product of integer literals (`8 * 2048`), else undefined. */
function intProduct(expr: string | undefined): number | undefined {
  if (!expr || !/^\s*\d[\d_]*(\s*\*\s*\d[\d_]*)*\s*$/.test(expr)) return undefined;
  const value = expr.split('*').reduce((product, part) => product * Number(part.trim().replace(/_/g, '')), 1);
  // Exact integers only, as every reader types them (readerPolicy.ts): beyond 2^53 a product is not exact.
  return asTypedIntAtLeast(value, 0);
}

/** `key=<value>` at the top level of a call's argument text. */
function keyword(args: string, key: string): string | undefined {
  const match = new RegExp(`(?:^|[,(\\s])${key}\\s*=\\s*([^,\\n)]+)`).exec(args);
  return match?.[1]?.trim();
}

function readRuns(text: string): PyRun[] {
  const runs: PyRun[] = [];
  RUN_DEF.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = RUN_DEF.exec(text)) !== null && runs.length < MAX_RUNS) {
    const bodyStart = match.index + match[0].length;
    const end = /^\S/m.exec(text.slice(bodyStart));
    const body = text.slice(bodyStart, end ? bodyStart + end.index : undefined);
    const run: PyRun = {
      name: match[1]!,
      nameStart: match.index + 4,
      body,
      converters: [],
      editsModel: false,
    };
    // The last model_registry(...) wins: later runs reassign config.model_spec.
    // Bounded: each call scans to its closing parenthesis.
    for (const call of [...body.matchAll(/\bmodel_registry\(/g)].slice(-MAX_CALLS_PER_RUN)) {
      const args = parenthesized(body, call.index! + 'model_registry'.length) ?? '';
      const flavor = /^\s*["']([^"']+)["']/.exec(args)?.[1];
      if (flavor) run.flavor = flavor;
      run.converters = [...args.matchAll(/\b(\w+Converter)\.Config\(/g)]
        .map((m) => m[1]!)
        .filter((name) => !/^(Float8|MXFP8|MX|NVFP4)\w*Converter$/.test(name));
    }
    const base = /^\s+config\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\(\s*\)\s*$/m.exec(body);
    if (base) run.base = base[1];
    const training = /\bTrainingConfig\(/.exec(body);
    if (training) {
      const args = parenthesized(body, training.index + 'TrainingConfig'.length) ?? '';
      run.steps = intProduct(keyword(args, 'steps'));
      run.tokensPerMicrobatch = intProduct(keyword(args, 'num_tokens_per_microbatch_per_dp_rank'));
    }
    run.editsModel = /\bmodel_spec\.model\.[A-Za-z_]+[^=\n]*=(?!=)/.test(body);
    runs.push(run);
  }
  return runs;
}

/** Fill what a run inherits from the run it starts from (one level per pass, bounded). */
function inherit(runs: PyRun[]): void {
  const byName = new Map(runs.map((run) => [run.name, run]));
  for (let pass = 0; pass < 8; pass++) {
    for (const run of runs) {
      const base = run.base ? byName.get(run.base) : undefined;
      if (!base || base === run) continue;
      run.flavor ??= base.flavor;
      run.steps ??= base.steps;
      run.tokensPerMicrobatch ??= base.tokensPerMicrobatch;
      if (!run.converters.length) run.converters = base.converters;
      run.editsModel ||= base.editsModel;
    }
  }
}

/** The model package the registry belongs to: the path's `models/<name>/`, else `from .model import XModel`. */
function familyOf(text: string, path: string | undefined): string | undefined {
  const fromPath = path ? /(?:^|[\\/])models[\\/]([A-Za-z0-9_]+)[\\/][^\\/]*$/.exec(path)?.[1] : undefined;
  if (fromPath && TITAN_FLAVORS.registry[fromPath]) return fromPath;
  const modelClass = /^from \.model import ([A-Za-z0-9]+)Model\b/m.exec(text)?.[1]?.toLowerCase();
  return modelClass && TITAN_FLAVORS.registry[modelClass] ? modelClass : (fromPath ?? modelClass);
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}

function read(text: string, context: ReadContext): ReadResult {
  const lines = new LineIndex(text);
  const runs = readRuns(text);
  inherit(runs);
  const family = familyOf(text, context.path);
  const diagnostics: CoreDiagnostic[] = [];
  const where = `pytorch/torchtitan@${TITAN_SOURCES.registry.commit.slice(0, 8)}`;

  /** N of one run, or why not. */
  const paramsOf = (run: PyRun): { total: number; architecture: RunSpec['architecture'] } | string => {
    if (!run.flavor) return 'no model_registry("<flavor>") call';
    if (!family || !TITAN_FLAVORS.registry[family]) {
      return `no ${where} flavor table for ${family ?? 'this model package'}`;
    }
    if (run.editsModel) return 'the run edits the model config after choosing the flavor';
    const built = titanArchitecture('registry', family, run.flavor);
    if ('unknown' in built) return built.unknown;
    return { total: countParams(built.architecture).total, architecture: built.architecture };
  };

  const listed: string[] = [];
  const brief: string[] = [];
  for (const run of runs) {
    const params = paramsOf(run);
    brief.push(
      `${run.name} (${run.flavor ?? '?'}) ${typeof params === 'string' ? 'unknown' : fmt(params.total)}`,
    );
    const n = typeof params === 'string' ? `N unknown (${params})` : `N ${fmt(params.total)}`;
    const lora = run.converters.length ? ` + ${run.converters.join(', ')}` : '';
    const perRank =
      run.steps !== undefined && run.tokensPerMicrobatch !== undefined
        ? `; ${fmt(run.steps)} steps × ${fmt(run.tokensPerMicrobatch)} tokens per microbatch per DP rank`
        : '';
    const line = `${run.name}: ${run.flavor ?? '?'}${lora}, ${n}${perRank}`;
    listed.push(line);
    diagnostics.push({
      severity: 'info',
      code: 'torchtitan-registry-run',
      message: `torchtitan run ${line}.`,
      range: lines.range(run.nameStart, run.nameStart + run.name.length),
    });
  }

  const spec: RunSpec = {
    framework: 'torchtitan',
    modelName: family ? `torchtitan ${family} config registry` : 'torchtitan config registry',
    training: {},
    archSources: {},
    trainingSources: {},
    usedKeys: [],
    assumptions: [],
    diagnostics,
  };

  const single = runs.length === 1 ? runs[0]! : undefined;
  const singleParams = single ? paramsOf(single) : undefined;
  if (single && singleParams && typeof singleParams !== 'string' && !single.converters.length) {
    spec.architecture = singleParams.architecture;
    spec.modelName = `${family} ${single.flavor}`;
    const at = lines.range(single.nameStart, single.nameStart + single.name.length);
    const source: FieldSource = { key: single.name, keyRange: at, valueRange: at, raw: single.flavor! };
    spec.archSources.modelName = source;
    spec.assumptions.push(
      `${family} "${single.flavor}" from ${where} ${TITAN_FLAVORS.registry[family!]!.path}`,
    );
  } else if (runs.length === 0) {
    spec.paramsMissing = ['a `def <run>() -> Trainer.Config` function'];
  } else if (single) {
    spec.paramsMissing = [
      typeof singleParams === 'string'
        ? `${single.name}: ${singleParams}`
        : `${single.name}: a model of its converters`,
    ];
  } else {
    const shown = brief.length > 8 ? [...brief.slice(0, 8), `${brief.length - 8} more`] : brief;
    spec.paramsMissing = [
      `one run: this file defines ${runs.length} Trainer.Config runs, N per run: ${shown.join('; ')}`,
    ];
    diagnostics.unshift({
      severity: 'info',
      code: 'torchtitan-registry',
      message:
        `This torchtitan config registry defines ${runs.length} runs (selected with --config <function>); ` +
        'N and D are per run, so none is shown for the file.',
      range: lines.range(0, Math.min(text.length, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'))),
    });
  }
  // D needs the data-parallel degree (tokens are per DP rank), which the registry does not fix.
  spec.training.missing = [single ? 'GPU count' : 'one run (the file defines several)'];
  return { kind: 'run-config', spec };
}

/** The torchtitan Python config registry reader (same framework id as the TOML reader). */
export const torchtitanPyReader: FrameworkReader<'torchtitan'> = neverThrowing({
  id: 'torchtitan',
  label: 'torchtitan',
  detect: (text) => detect(text),
  read,
  inventory: TORCHTITAN_PY_INVENTORY,
});
