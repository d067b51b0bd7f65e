/**
 * The accelerator and device count a file states outside its framework's own keys: comments
 * ("8X A100 40GB", "trained on 64 GPUs"), TPU slice names (`v5e-256`, `v5p-128`), launcher lines
 * (slurm `#SBATCH`, torchrun `--nproc_per_node × --nnodes`), MaxText `ici_*`/`dcn_*` degrees, and
 * the directive comment `# scaling-lens: gpus=64 gpu=H100` that the missing-GPU quick fix writes.
 *
 * Pure and line-based (no parser), so it runs on every framework's text and on huge files in
 * linear time. Every hint carries the range and the words it came from, so the analysis can say
 * where a number came from; conflicting statements yield no hint and a note instead of a guess.
 */
import { findAccelerator } from '../model/hardware';
import type { ReadContext, RunSpec, SourceRange } from '../types';
import { asDigitsInt } from './readerPolicy';

/** How strongly a statement pins the value down; the lowest rank wins. */
const RANK = { directive: 0, launcher: 1, maxtext: 2, comment: 3, slice: 4, path: 5 } as const;
type Origin = keyof typeof RANK;

export interface GpuHint {
  /** Accelerator id in src/core/model/hardware.ts. */
  id: string;
  range: SourceRange;
  /** What the file says, e.g. `comment "8X A100 40GB" (line 1)`. */
  how: string;
  origin: Origin;
}

export interface GpusHint {
  count: number;
  range: SourceRange;
  how: string;
  origin: Origin;
  /**
   * False when the count is a lower bound or a per-slice figure (a TPU slice name without a slice
   * count): shown and used for wall-clock days, never used to complete D.
   */
  exact: boolean;
  /** The framework reader computed D with this count (it was the GPU option the reader saw). */
  usedForTokens?: boolean;
}

export interface HardwareHints {
  gpu?: GpuHint;
  gpus?: GpusHint;
  /** Statements that could not be used (unknown accelerator, conflicting counts), for assumptions. */
  notes: string[];
}

interface Candidate<T> {
  value: T;
  origin: Origin;
  line: number;
  start: number;
  end: number;
  how: string;
  exact?: boolean;
}

/** GPU names we can map to the hardware table; `A100` without a size is the 80GB part (table alias). */
const GPU_NAME = /\b(A100|H100|H200|B200|MI300X?)(?:[\s_-]*(?:SXM\d?|PCIe))?(?:[\s_-]*(40|80)\s*GB)?\b/i;
const SIZE_THEN_GPU = /\b(40|80)\s*GB\s+(A100)\b/i;

/**
 * TPU slice names. v5e (v5litepod) and v6e count chips; v4 and v5p count TensorCores, two per chip
 * (https://cloud.google.com/tpu/docs/v5p-training: "v5p-32 … 32 TensorCores (16 chips)";
 * https://cloud.google.com/tpu/docs/v5e: "Each v5e chip contains one TensorCore").
 */
const TPU_SLICE = /\b(v5litepod|v5e|v5p|v4|v6e)-(\d{1,5})\b/gi;
const TPU_TABLE: Record<string, { id?: string; coresPerChip: number; label: string }> = {
  v5e: { id: 'TPU-v5e', coresPerChip: 1, label: 'TPU v5e' },
  v5litepod: { id: 'TPU-v5e', coresPerChip: 1, label: 'TPU v5e' },
  v5p: { id: 'TPU-v5p', coresPerChip: 2, label: 'TPU v5p' },
  v4: { coresPerChip: 2, label: 'TPU v4' },
  v6e: { coresPerChip: 1, label: 'TPU v6e' },
};

const MAX_DEVICES = 1_000_000;
const MAX_NOTES = 5;
const NNODES = /--nnodes(?:=|\s+)(\S+)/;

/** Read the hardware a file states. Never throws; returns `{ notes: [] }` when it says nothing. */
export function readHardwareHints(text: string, path?: string): HardwareHints {
  try {
    return read(text, path);
  } catch {
    return { notes: [] };
  }
}

function read(text: string, path?: string): HardwareHints {
  const gpus: Candidate<number>[] = [];
  const gpu: Candidate<string>[] = [];
  const notes: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  const vars = shellVariables(lines);
  let launcherUnknown: string | undefined;
  const maxtext: Record<string, { value: number; line: number; start: number; end: number }> = {};
  const slurm: {
    perNode?: Candidate<number>;
    nodes?: Candidate<number>;
    total?: Candidate<number>;
    tasks?: Candidate<number>;
    /** `--nodes` written but not a count (`2-4`, `$N`, `0`): the total is unknown, never one node. */
    nodesUnusable?: string;
  } = {};

  for (let line = 0; line < lines.length; line++) {
    const source = lines[line];
    if (source.length > 20_000) continue; // minified blobs say nothing about hardware
    const commentAt = commentStart(source);
    const comment = commentAt >= 0 ? source.slice(commentAt) : '';

    // 1. The directive comment: `# scaling-lens: gpus=64 gpu=H100`.
    const directive = /scaling-lens\s*:\s*(.*)$/i.exec(comment);
    if (directive) {
      const base = commentAt + directive.index;
      for (const m of directive[1].matchAll(/\b(gpus|gpu)\s*=\s*([^\s,;]+)/gi)) {
        const key = m[1].toLowerCase();
        const at = { line, start: base + directive[0].indexOf(m[0]), end: 0 };
        at.end = at.start + m[0].length;
        if (key === 'gpus') {
          const n = Number(m[2]);
          if (Number.isInteger(n) && n > 0 && n <= MAX_DEVICES) {
            gpus.push({
              value: n,
              origin: 'directive',
              ...at,
              how: `directive "${m[0]}" (line ${line + 1})`,
              exact: true,
            });
          } else
            notes.push(
              `Ignored "${m[0]}" on line ${line + 1}: the GPU count must be a positive whole number.`,
            );
        } else {
          const accelerator = findAccelerator(m[2]);
          if (accelerator)
            gpu.push({
              value: accelerator.id,
              origin: 'directive',
              ...at,
              how: `directive "${m[0]}" (line ${line + 1})`,
            });
          else
            notes.push(
              `Ignored "${m[0]}" on line ${line + 1}: unknown accelerator (known: A100-40GB, A100-80GB, H100, H200, B200, MI300X, TPU-v5e, TPU-v5p).`,
            );
        }
      }
      continue;
    }

    // 2. Slurm: `#SBATCH --gres=gpu:8`, `--gpus-per-node`, `--nodes`, `--ntasks-per-node`, `--gpus`.
    if (/^\s*#SBATCH\b/.test(source)) {
      for (const m of source.matchAll(/(--[a-z-]+|-[NG])(?:=|\s+)([^\s-]\S*)/g)) {
        const [flag, value] = [m[1], m[2]];
        const at = { line, start: m.index!, end: m.index! + m[0].length };
        const how = `#SBATCH ${m[0].trim()} (line ${line + 1})`;
        if (flag === '--gres' || flag === '--gpus-per-node') {
          // gres syntax gpu[:type]:count (slurm gres.conf); the type names the part when we know it.
          const g = /^(?:gpu:)?(?:([A-Za-z][\w-]*):)?(\d+)$/.exec(value);
          const perNode = asDigitsInt(g?.[2], 1);
          if (g && perNode !== undefined) {
            slurm.perNode = { value: perNode, origin: 'launcher', ...at, how };
            const named = g[1] ? acceleratorFromName(g[1]) : undefined;
            if (named) gpu.push({ value: named.id, origin: 'launcher', ...at, how: `${how}${named.note}` });
          }
        } else if (flag === '--nodes' || flag === '-N') {
          // Digits only, as every reader types a launcher count (readerPolicy.ts): `2-4` is a range.
          const nodes = asDigitsInt(value, 1);
          // The last `--nodes` is the one slurm takes.
          if (nodes !== undefined) {
            slurm.nodes = { value: nodes, origin: 'launcher', ...at, how };
            delete slurm.nodesUnusable;
          } else {
            slurm.nodesUnusable = how;
            delete slurm.nodes;
          }
        } else if (flag === '--ntasks-per-node') {
          const tasks = asDigitsInt(value, 1);
          if (tasks !== undefined) slurm.tasks = { value: tasks, origin: 'launcher', ...at, how };
        } else if (flag === '--gpus' || flag === '-G') {
          const total = asDigitsInt(/^(?:([A-Za-z][\w-]*):)?(\d+)$/.exec(value)?.[2], 1);
          if (total !== undefined) slurm.total = { value: total, origin: 'launcher', ...at, how };
        }
      }
      continue; // an #SBATCH line is a directive to slurm, not a comment to read words from
    }

    // 3. torchrun / torch.distributed.run / `tune run`: --nproc_per_node × --nnodes (--standalone = 1 node).
    const nproc = /--nproc[_-]per[_-]node(?:=|\s+)(\S+)/.exec(source);
    if (nproc) {
      const perNodeValue = resolveInt(nproc[1], vars);
      // Bash arrays put `--nnodes` on its own line; torchrun's default is one node.
      const nnodesFlag = NNODES.exec(source) ?? NNODES.exec(text);
      const nodesValue = nnodesFlag ? resolveInt(nnodesFlag[1], vars) : { value: 1, defaulted: false };
      if (!perNodeValue || !nodesValue) {
        // `--nproc_per_node $GPUS` from the environment: the launcher decides, and the file does not
        // say how many, so an #SBATCH allocation or a comment must not stand in for it.
        // Quoted as written (the text may be anything, even `NaN`).
        launcherUnknown = `launcher \`${nproc[0]}${nnodesFlag ? ` ${nnodesFlag[0]}` : ''}\` (line ${line + 1})`;
      } else {
        const [perNode, nodes] = [perNodeValue.value, nodesValue.value];
        const defaulted = perNodeValue.defaulted || nodesValue.defaulted;
        const start = nproc.index;
        const end = nnodesFlag
          ? Math.max(nnodesFlag.index + nnodesFlag[0].length, start + nproc[0].length)
          : start + nproc[0].length;
        const what = nnodesFlag
          ? `${nproc[0]} × ${nnodesFlag[0]}`
          : `${nproc[0]}${/--standalone\b/.test(source) ? ' --standalone' : ''} (one node)`;
        const shown =
          resolvedNote(nproc[1], perNodeValue) + (nnodesFlag ? resolvedNote(nnodesFlag[1], nodesValue) : '');
        gpus.push({
          value: perNode * nodes,
          origin: commentAt >= 0 && commentAt <= nproc.index ? 'comment' : 'launcher',
          line,
          start,
          end,
          how: `launcher \`${what}\`${shown} = ${perNode * nodes} (line ${line + 1})`,
          // `${SLURM_NNODES:-1}` is whatever the job gets; its default is not the file's statement.
          exact: !defaulted,
        });
      }
    }

    // 4. MaxText parallelism degrees, as YAML keys or `key=value` command-line overrides.
    for (const m of source.matchAll(/\b((?:ici|dcn)_[a-z_]+_parallelism|num_slices)\s*[:=]\s*(-?\d+)\b/g)) {
      if (commentAt >= 0 && m.index! >= commentAt) continue;
      maxtext[m[1]] = { value: Number(m[2]), line, start: m.index!, end: m.index! + m[0].length };
    }

    // "e.g. 'v5e-256'" documents a value; it does not say what this run uses.
    const example = /\be\.g\.|\bfor example\b|\bsuch as\b/i.test(comment);

    // 5. TPU slice names anywhere (comments, `M_COMPILE_TOPOLOGY=v5e-256`, `--tpu-type v5p-128`).
    for (const m of example ? [] : source.matchAll(TPU_SLICE)) {
      const family = TPU_TABLE[m[1].toLowerCase()];
      const size = Number(m[2]);
      const at = { line, start: m.index!, end: m.index! + m[0].length };
      if (!family.id) {
        notes.push(
          `The file names a ${family.label} slice (${m[0]}, line ${line + 1}), which the hardware table does not have.`,
        );
        continue;
      }
      gpu.push({ value: family.id, origin: 'slice', ...at, how: `TPU slice "${m[0]}" (line ${line + 1})` });
      const chips = size / family.coresPerChip;
      if (Number.isInteger(chips) && chips > 0) {
        const cores =
          family.coresPerChip > 1 ? `, ${size} TensorCores = ${chips} chips` : ` = ${chips} chips`;
        gpus.push({
          value: chips,
          origin: 'slice',
          ...at,
          how: `TPU slice "${m[0]}"${cores} per slice (line ${line + 1}); the number of slices is not stated, 1 assumed`,
          exact: false,
        });
      }
    }

    // 6. Comments: accelerator names and device counts.
    if (comment && !example) {
      const offset = commentAt;
      const sizeFirst = SIZE_THEN_GPU.exec(comment);
      const named = sizeFirst ?? GPU_NAME.exec(comment);
      if (named) {
        const accelerator = sizeFirst
          ? acceleratorFromName(`A100-${sizeFirst[1]}GB`)
          : acceleratorFromName(named[0]);
        if (accelerator)
          gpu.push({
            value: accelerator.id,
            origin: 'comment',
            line,
            start: offset + named.index,
            end: offset + named.index + named[0].length,
            how: `comment "${named[0].trim()}" (line ${line + 1})${accelerator.note}`,
          });
      }
      const count = commentCount(comment);
      if (count && !nproc) {
        gpus.push({
          value: count.value,
          origin: 'comment',
          line,
          start: offset + count.index,
          end: offset + count.index + count.text.length,
          how: `comment "${count.text}" (line ${line + 1})`,
          exact: true,
        });
      }
    }
  }

  // Slurm: GPUs per node × nodes, else a total; tasks per node stand in for GPUs per node (one rank per GPU).
  if ((slurm.perNode || slurm.tasks) && slurm.nodesUnusable) {
    // The rule of every reader (readerPolicy.ts): a written but unusable value is not replaced by
    // the default (one node); the Megatron reader says the same of `--nodes=2-4`.
    notes.push(
      `Ignored ${slurm.nodesUnusable}: the node count must be a positive whole number (a range or a variable is the scheduler's choice), so the GPU count is not known.`,
    );
  } else if (slurm.perNode || slurm.tasks) {
    const perNode = (slurm.perNode ?? slurm.tasks)!;
    const nodes = slurm.nodes?.value ?? 1;
    const assumed = slurm.perNode ? '' : ' (one task per GPU)';
    if (perNode.value * nodes <= MAX_DEVICES)
      gpus.push({
        ...perNode,
        value: perNode.value * nodes,
        how: `${perNode.how}${assumed} × ${slurm.nodes ? slurm.nodes.how : 'one node'} = ${perNode.value * nodes}`,
        exact: true,
      });
  } else if (slurm.total) gpus.push({ ...slurm.total, exact: true });

  if (launcherUnknown) {
    notes.push(`The device count is set at launch (${launcherUnknown}); the file does not state it.`);
    for (let i = gpus.length - 1; i >= 0; i--) if (gpus[i].origin !== 'directive') gpus.splice(i, 1);
  }

  const fromMaxtext = maxtextDevices(maxtext);
  if (fromMaxtext) gpus.push(fromMaxtext);

  // The file's path: `configs/v5e/…` or `train_llama3_8b_h100_fp8.sh` names the part, weakest of all.
  if (path) {
    const name = path.replace(/\\/g, '/').split('/').slice(-3).join('/');
    const slice = /(?:^|[/_.-])(v5e|v5p|v5litepod)(?=$|[/_.-])/i.exec(name);
    const named = /(?:^|[/_.-])(a100|h100|h200|b200|mi300x)(?=$|[/_.-])/i.exec(name);
    const zero = { line: 0, start: 0, end: 0 };
    if (slice)
      gpu.push({
        value: TPU_TABLE[slice[1].toLowerCase()].id!,
        origin: 'path',
        ...zero,
        how: `the file path (${name})`,
      });
    else if (named) {
      const accelerator = acceleratorFromName(named[1]);
      if (accelerator)
        gpu.push({
          value: accelerator.id,
          origin: 'path',
          ...zero,
          how: `the file path (${name})${accelerator.note}`,
        });
    }
  }

  const conflicts: string[] = [];
  const pickedGpu = pick(gpu, (a, b) => sameAccelerator(a, b), 'accelerators', conflicts);
  const pickedCount = pick(gpus, (a, b) => a === b, 'device counts', conflicts);
  // Conflicts first; a file that repeats an unusable statement gets a handful of notes at most.
  const hints: HardwareHints = { notes: [...new Set([...conflicts, ...notes])].slice(0, MAX_NOTES) };
  if (pickedGpu)
    hints.gpu = {
      id: pickedGpu.value,
      range: rangeOf(pickedGpu),
      how: pickedGpu.how,
      origin: pickedGpu.origin,
    };
  if (pickedCount)
    hints.gpus = {
      count: pickedCount.value,
      range: rangeOf(pickedCount),
      how: pickedCount.how,
      origin: pickedCount.origin,
      exact: pickedCount.exact !== false,
    };
  return hints;
}

/**
 * The strongest statement; when statements of that strength disagree, none (and a note), because a
 * guessed GPU count is a wrong cost with no warning. A100 and A100-40GB agree (the size refines).
 */
function pick<T>(
  all: Candidate<T>[],
  agree: (a: T, b: T) => boolean,
  what: string,
  notes: string[],
): Candidate<T> | undefined {
  if (!all.length) return undefined;
  const best = all.reduce((m, c) => Math.min(m, RANK[c.origin]), Infinity);
  const top = all.filter((c) => RANK[c.origin] === best);
  const first = top.find((c) => !c.how.includes('assumed')) ?? top[0];
  const conflicting = top.filter((c) => !agree(c.value, first.value));
  if (conflicting.length) {
    const shown = [first, ...conflicting.slice(0, 3)].map((c) => `${c.value} on line ${c.line + 1}`);
    const more = conflicting.length > 3 ? `, and ${conflicting.length - 3} more` : '';
    notes.push(
      `The file states different ${what} (${shown.join(', ')}${more}); none is used. Add "# scaling-lens: ${what === 'accelerators' ? 'gpu=ID' : 'gpus=N'}" to say which.`,
    );
    return undefined;
  }
  // Prefer the most specific statement of agreeing ones (A100-40GB over an A100 with an assumed size).
  return top.find((c) => !c.how.includes('assumed')) ?? first;
}

function sameAccelerator(a: string, b: string): boolean {
  return a === b || (a.startsWith('A100') && b.startsWith('A100'));
}

/** An accelerator from a name as people write it; `note` says when the memory size was assumed. */
function acceleratorFromName(name: string): { id: string; note: string } | undefined {
  const compact = name
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-?(sxm\d?|pcie)/, '');
  const size = /(40|80)-?gb?$/.exec(compact);
  const family = /^(a100|h100|h200|b200|mi300x?)/.exec(compact)?.[1];
  if (!family) return undefined;
  if (family === 'a100') {
    if (size) return { id: `A100-${size[1]}GB`, note: '' };
    return {
      id: 'A100-80GB',
      note: '; memory size not stated, A100-80GB assumed (same peak FLOP/s as the 40GB part)',
    };
  }
  const accelerator = findAccelerator(family === 'mi300' ? 'mi300x' : family);
  return accelerator ? { id: accelerator.id, note: '' } : undefined;
}

/**
 * A device count in a comment: "trained on 64 gpus", "8 GPUs", "64 A100 GPUs", "96x 40GB A100",
 * "1 node of 8X A100 40GB" (nodes × per node). Counts of other things ("8 heads") do not match, and
 * neither do "chips": TPU chips come from a slice name, whose slice count a comment rarely states.
 */
function commentCount(comment: string): { value: number; index: number; text: string } | undefined {
  const nodes =
    /\b(\d{1,5})\s*nodes?\s*(?:of|with|x|×)\s*(\d{1,4})\s*[x×]?\s*(?:(?:A100|H100|H200|B200|MI300X?)\b|GPUs?\b)/i.exec(
      comment,
    );
  if (nodes) return { value: Number(nodes[1]) * Number(nodes[2]), index: nodes.index, text: nodes[0] };
  const times = /\b(\d{1,6})\s*[x×]\s*(?:(?:40|80)\s*GB\s*)?(?:A100|H100|H200|B200|MI300X?|GPUs?)\b/i.exec(
    comment,
  );
  if (times) return { value: Number(times[1]), index: times.index, text: times[0] };
  const plain =
    /\b(\d{1,6})\s+(?:(?:A100|H100|H200|B200|MI300X?)(?:[\s-]*(?:40|80)\s*GB)?\s+)?(?:GPUs|GPU|devices)\b/i.exec(
      comment,
    );
  if (plain && Number(plain[1]) > 0) return { value: Number(plain[1]), index: plain.index, text: plain[0] };
  return undefined;
}

/**
 * MaxText: devices = Π ici_*_parallelism × Π dcn_*_parallelism when every factor is known. base.yml
 * defaults ici_fsdp_parallelism and dcn_data_parallelism to -1 ("auto-sharded": fill the slice), and
 * every other degree to 1 (MaxText configs/base.yml), so both must be set explicitly.
 */
function maxtextDevices(
  keys: Record<string, { value: number; line: number; start: number; end: number }>,
): Candidate<number> | undefined {
  const names = Object.keys(keys).filter((k) => k.endsWith('_parallelism'));
  if (!names.length || !keys.ici_fsdp_parallelism || !keys.dcn_data_parallelism) return undefined;
  if (names.some((k) => !(keys[k].value > 0))) return undefined;
  const value = names.reduce((p, k) => p * keys[k].value, 1);
  if (!(value > 0 && value <= MAX_DEVICES)) return undefined;
  const first = keys[names[0]];
  return {
    value,
    origin: 'maxtext',
    line: first.line,
    start: first.start,
    end: first.end,
    how: `MaxText ${names.map((k) => `${k} ${keys[k].value}`).join(' × ')} = ${value} devices`,
    exact: true,
  };
}

/** `NAME=8`, `NAME=${SLURM_NNODES:-"1"}` (the default), for resolving `$NAME` in launcher lines. */
function shellVariables(lines: string[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of lines) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*(?:#.*)?$/.exec(line);
    if (m) vars.set(m[1], m[2]);
  }
  return vars;
}

interface Resolved {
  value: number;
  /** The value is a `${VAR:-default}` fallback, not a statement. */
  defaulted: boolean;
}

function resolveInt(raw: string, vars: Map<string, string>, depth = 0): Resolved | undefined {
  const value = raw.replace(/^["']|["']$/g, '');
  if (/^\d+$/.test(value)) {
    const n = asDigitsInt(value, 1);
    return n !== undefined && n <= MAX_DEVICES ? { value: n, defaulted: false } : undefined;
  }
  if (depth > 4) return undefined;
  const ref = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-["']?(\d+)["']?)?\}?$/.exec(value);
  if (!ref) return undefined;
  const assigned = vars.get(ref[1]);
  if (assigned !== undefined) return resolveInt(assigned, vars, depth + 1);
  const fallback = ref[2] !== undefined ? resolveInt(ref[2], vars, depth + 1) : undefined;
  return fallback ? { value: fallback.value, defaulted: true } : undefined;
}

function resolvedNote(raw: string, resolved: Resolved): string {
  if (/^\d+$/.test(raw)) return '';
  return ` [${raw} = ${resolved.value}${resolved.defaulted ? ', its default' : ''}]`;
}

/** Where a comment starts: `#` or `//` at line start or after whitespace (not inside `a#b`). */
function commentStart(line: string): number {
  const m = /(^|\s)(#|\/\/)/.exec(line);
  return m ? m.index + m[1].length : -1;
}

function rangeOf(c: { line: number; start: number; end: number }): SourceRange {
  return { start: { line: c.line, character: c.start }, end: { line: c.line, character: c.end } };
}

/**
 * The read context with the file's exact device count as the GPU option when the user set none
 * (an explicit `scalingLens.missing.gpus` / `--gpus` beats the file; the file beats nothing), and
 * `attach`, which records on the hints whether the reader used that count and rewrites the reader's
 * "from settings" wording so the formula names the file's statement instead.
 */
export function hintedReadContext(
  context: ReadContext,
  hints: HardwareHints,
): { context: ReadContext; attach: (spec: RunSpec, hints: HardwareHints) => HardwareHints } {
  const count = hints.gpus?.exact ? hints.gpus.count : undefined;
  if (count === undefined || context.options?.gpus !== undefined) {
    return { context, attach: (_spec, h) => h };
  }
  const hinted: ReadContext = { ...context, options: { ...context.options, gpus: count } };
  return {
    context: hinted,
    attach: (spec, h) => {
      if (!h.gpus || spec.training.gpus !== undefined) return h;
      const from = `from the file: ${h.gpus.how}`;
      const settingsWording = /\b(device count|\d+ GPUs) from settings(?: \(the file does not state it\))?/g;
      let used = false;
      if (spec.training.formula && settingsWording.test(spec.training.formula)) {
        spec.training.formula = spec.training.formula.replace(
          settingsWording,
          (_m, what: string) => `${what} ${from}`,
        );
        used = true;
      }
      spec.assumptions = spec.assumptions.map((a) =>
        a.replace(/\bworld size (\d+) GPUs from settings \(the file does not state it\)/, (_m, n) => {
          used = true;
          return `world size ${n} GPUs ${from}`;
        }),
      );
      // A reader that needed a device count and got one no longer reports it missing.
      if (!used && spec.training.tokens !== undefined && spec.layout?.gpus === count) used = true;
      return { ...h, gpus: { ...h.gpus, usedForTokens: used } };
    },
  };
}
