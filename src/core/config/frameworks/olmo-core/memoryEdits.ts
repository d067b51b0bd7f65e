import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../../../model/memoryEdits';
import type { PyArg } from './python';
import { argOf, OlmoCoreScript, TRAIN_MODULE_CALL } from './layoutScript';

/**
 * Memory edits of an OLMo-core launch script, each one keyword of the TransformerTrainModuleConfig
 * call in the script's own terms (allenai/OLMo-core@fa6c5014):
 * - `rank_microbatch_size` halved (or doubled) where it is written `k * <sequence length>` or a
 *   number: the accumulation follows from global_batch_size, so the global batch and D stay;
 * - `dp_config` name `DataParallelType.hsdp` → `DataParallelType.fsdp` (shard over every DP rank;
 *   num_replicas / shard_degree are then unused, build_world_mesh), not with ep_config (HSDP only);
 * - `ac_config=TransformerActivationCheckpointingConfig(mode=TransformerActivationCheckpointingMode.full)`
 *   inserted (with its import when the script has none), or an existing mode set to full; not on
 *   MoE models (full checkpointing of MoE blocks raises).
 */
export function olmoCoreEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = base ? text.slice(1) : text;
  const s = new OlmoCoreScript(body);
  const calls = s.calls(TRAIN_MODULE_CALL);
  if (calls.length !== 1) return [];
  const call = calls[0]!;
  const at = (start: number, end: number, newText: string): OffsetReplacement => ({
    start: start + base,
    end: end + base,
    newText,
  });
  const edits: MemoryEdit[] = [];

  // The micro-batch (tokens): `k * X`, `X * k` or a plain number, k an integer literal.
  const rmbs = call.named.get('rank_microbatch_size');
  if (rmbs) {
    const written = s.configCall(rmbs) === undefined ? micro(s, rmbs) : undefined;
    if (written && written.sequences === layout.microBatch) {
      if (layout.microBatch >= 2 && layout.microBatch % 2 === 0) {
        const text = written.rewrite(written.k / 2);
        if (text)
          edits.push({
            kind: 'micro-batch-half',
            label: `rank_microbatch_size=${text}`,
            key: 'rank_microbatch_size',
            replacements: [at(written.start, written.end, text)],
          });
      }
      if (layout.gradAccum % 2 === 0) {
        const text = written.rewrite(written.k * 2);
        if (text)
          edits.push({
            kind: 'micro-batch-double',
            label: `rank_microbatch_size=${text}`,
            key: 'rank_microbatch_size',
            replacements: [at(written.start, written.end, text)],
          });
      }
    }
  }

  // HSDP → FSDP: the same FSDP2 wrapping over every DP rank.
  const dp = s.configCall(call.named.get('dp_config'));
  if (dp && dp !== 'none' && !call.named.get('ep_config') && layout.shardGroupSize < layout.dataParallel) {
    const nameArg = argOf(dp, 'name', 0);
    const member = nameArg
      ? /^(DataParallelType\s*\.\s*)hsdp$|^(['"])hsdp\2$/.exec(s.valueText(nameArg))
      : null;
    if (nameArg && member) {
      const newText = member[1] !== undefined ? 'DataParallelType.fsdp' : `${member[2]}fsdp${member[2]}`;
      edits.push({
        kind: 'shard-up',
        label: `name=${newText}`,
        key: 'dp_config.name',
        replacements: [at(nameArg.valueStart, nameArg.valueEnd, newText)],
      });
    }
  }

  // Full activation checkpointing (dense models only).
  if (layout.recompute !== 'full' || layout.recomputeMethod) {
    const acArg = call.named.get('ac_config');
    const ac = s.configCall(acArg);
    const full = 'TransformerActivationCheckpointingMode.full';
    const config = `TransformerActivationCheckpointingConfig(mode=${full})`;
    const edit = (replacements: OffsetReplacement[], label: string) =>
      edits.push({ kind: 'recompute-full', label, key: 'ac_config', replacements });
    if (s.moeModel()) {
      // OLMo-core raises on full checkpointing of MoE blocks: no edit.
    } else if (!acArg || ac === 'none') {
      const imports = importFor(s, body);
      const insert = insertArg(
        s,
        call.positional[0] ?? firstArg(call.named),
        call.open,
        `ac_config=${config}`,
        acArg,
      );
      if (insert && imports !== null)
        edit(
          [...imports, insert].map((r) => at(r.start, r.end, r.newText)),
          `ac_config=${config}`,
        );
    } else if (ac) {
      const modeArg = argOf(ac, 'mode', 0);
      const blockInterval = ac.named.get('block_interval');
      // A mode set to full; the block_interval / modules of other modes are then unused.
      if (modeArg && !blockInterval) edit([at(modeArg.valueStart, modeArg.valueEnd, full)], `mode=${full}`);
    }
  }
  return edits;
}

/** `rank_microbatch_size` as written: k × (a sequence-length term), with a rewrite for a new k. */
function micro(
  s: OlmoCoreScript,
  arg: PyArg,
):
  | { start: number; end: number; k: number; sequences: number; rewrite: (k: number) => string | undefined }
  | undefined {
  const code = s.script.code;
  const start = arg.valueStart;
  const end = arg.valueEnd;
  const value = s.int(arg);
  if (!value) return undefined;
  const raw = code.slice(start, end);
  const product = /^\s*(\d+)\s*\*\s*([^*]+?)\s*$/.exec(raw) ?? /^\s*([^*]+?)\s*\*\s*(\d+)\s*$/.exec(raw);
  if (product) {
    const leading = /^\d+$/.test(product[1]!);
    const k = Number(leading ? product[1] : product[2]);
    const rest = leading ? product[2]! : product[1]!;
    const unit = value / k;
    if (!Number.isSafeInteger(k) || k < 1 || !Number.isSafeInteger(unit)) return undefined;
    const restIsNumber = /^\d+$/.test(rest.trim());
    return {
      start,
      end,
      k,
      sequences: k,
      rewrite: (n) =>
        Number.isSafeInteger(n) && n >= 1
          ? restIsNumber
            ? String(n * unit)
            : n === 1
              ? rest.trim()
              : leading
                ? `${n} * ${rest.trim()}`
                : `${rest.trim()} * ${n}`
          : undefined,
    };
  }
  // A plain token count or an expression of names: not rewritten (its sequence unit is not written).
  return undefined;
}

/** The import the inserted ac_config needs, when the script lacks it ([] when present, null when not placeable). */
function importFor(s: OlmoCoreScript, text: string): OffsetReplacement[] | null {
  const names = ['TransformerActivationCheckpointingConfig', 'TransformerActivationCheckpointingMode'];
  const imported = (n: string) =>
    new RegExp(`^\\s*from\\s+olmo_core[\\w.]*\\s+import\\s*\\(?[^)]*\\b${n}\\b`, 'm').test(s.script.code);
  const missing = names.filter((n) => !imported(n));
  if (!missing.length) return [];
  const first = /^from\s+olmo_core[\w.]*\s+import\b/m.exec(s.script.code);
  if (!first) return null;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  return [
    {
      start: first.index,
      end: first.index,
      newText: `from olmo_core.train.train_module import ${missing.join(', ')}${eol}`,
    },
  ];
}

function firstArg(named: Map<string, PyArg>): PyArg | undefined {
  let first: PyArg | undefined;
  for (const a of named.values()) if (!first || a.nameStart < first.nameStart) first = a;
  return first;
}

/**
 * Insert `keyword=value,` before the first argument of the call (its own line and indentation when
 * the arguments start on a new line), or replace an explicit `ac_config=None`.
 */
function insertArg(
  s: OlmoCoreScript,
  first: PyArg | undefined,
  open: number,
  argText: string,
  existing: PyArg | undefined,
): OffsetReplacement | undefined {
  if (existing)
    return {
      start: existing.valueStart,
      end: existing.valueEnd,
      newText: argText.replace(/^ac_config=/, ''),
    };
  if (!first) return undefined;
  const text = s.text;
  const at = first.nameStart;
  const between = text.slice(open + 1, at);
  if (!/[\r\n]/.test(between)) return { start: at, end: at, newText: `${argText}, ` };
  let lineStart = at;
  while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--;
  const indent = text.slice(lineStart, at);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  return { start: at, end: at, newText: `${argText},${eol}${indent}` };
}
