/**
 * Memory edits of a GPT-NeoX YAML (planMemoryEdits in src/core/model/memoryEdits.ts), keys spelled as
 * the file spells them (NeoX reads `-` as `_`, arguments.py from_ymls), as EleutherAI/gpt-neox@ea7aefd8
 * defines them:
 * - `checkpoint_activations: true` (neox_args.py, default False): every `checkpoint_num_layers`
 *   layers (default 1, left as the file has it) are recomputed in backward, on the pipeline engine
 *   and the sequential model alike (gpt2_model.py activation_checkpoint_interval, model/utils.py);
 *   `false` again as a what-if. `partition_activations` is not offered: the layout reader does not
 *   model it.
 * - `zero_optimization.stage` one up through the DeepSpeed keys NeoX keeps at the top level
 *   (deepspeed/memoryEdits.ts), never to 2 or 3 where NeoX refuses them: with `pipe_parallel_size`
 *   ≥ 1 (the PipelineModule; training.py get_model exits, and DeepSpeed's pipeline engine asserts
 *   stage < 2), `model_parallel_size` > 1 (get_model exits) or MoE (`moe_num_experts` > 1,
 *   arguments.py asserts stage < 2). Not to 1 either with bf16 on the pipeline without an fp32
 *   `data_types.grad_accum_dtype` (arguments.py warns that it breaks).
 * - `train_micro_batch_size_per_gpu` halved with `gradient_accumulation_steps` doubled in the same
 *   edit, the accumulation inserted beside the micro-batch when not written: NeoX's default is 1
 *   even with `train_batch_size` stated (deepspeed_args.py; calculate_batch_parameters then takes
 *   all three as given and check_batch_parameters asserts train_batch = micro × accumulation × DP),
 *   so the global batch, and D, stay only if both change. A legacy `gas: 1` (Pythia's files) is
 *   replaced by that key; any other `gas` blocks the edit.
 */
import { isMap, isScalar, type Node, type Pair } from 'yaml';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit } from '../../../model/memoryEdits';
import { insertMapEntry, rewriteYamlScalar, yamlBoolLike, yamlForEdits } from '../../layoutBuilder';
import { getNode, nodeValue, type YamlSource } from '../../yamlSource';
import { deepSpeedKeyEdits, keyName, plainInteger, spelledLike, valueText } from '../deepspeed/memoryEdits';

export function gptNeoxEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const pair = (...path: string[]) => getNode(yaml, path, true);
  const edits: MemoryEdit[] = [];

  // Activation checkpointing.
  const ckpt = pair('checkpoint_activations');
  const ckptValue = ckpt && isScalar(ckpt.value) ? ckpt.value.value : undefined;
  if (layout.recompute === 'none' && (!ckpt || ckptValue === false)) {
    const written = yamlBoolLike(ckpt ? valueText(yaml, ckpt) : booleanStyle(yaml), true);
    const name = ckpt
      ? keyName(ckpt, 'checkpoint_activations')
      : spelledLike(keyStyle(yaml), 'checkpoint_activations');
    const anchor =
      pair('checkpoint_num_layers') ??
      pair('partition_activations') ??
      pair('train_micro_batch_size_per_gpu');
    const r = ckpt
      ? rewriteYamlScalar(yaml, base, ckpt, written)
      : insertMapEntry(yaml, base, yaml.doc.contents, anchor, name, written);
    if (r) edits.push({ kind: 'recompute-full', label: `${name}: ${written}`, key: name, replacements: [r] });
  }
  if (layout.recompute === 'full' && ckpt && ckptValue === true) {
    const written = yamlBoolLike(valueText(yaml, ckpt), false);
    const r = rewriteYamlScalar(yaml, base, ckpt, written);
    const name = keyName(ckpt, 'checkpoint_activations');
    if (r) edits.push({ kind: 'recompute-off', label: `${name}: ${written}`, key: name, replacements: [r] });
  }

  // The DeepSpeed keys at the top level: the ZeRO stage NeoX admits and the micro-batch. A `gas`
  // (removed in 91c44bc3; before, calculate_derived overwrote it with gradient_accumulation_steps)
  // is replaced by the accumulation key NeoX reads, only as `gas: 1`, where NeoX and the reader
  // (which takes gas as the accumulation) agree.
  const gas = pair('gas');
  const gasIsOne = !!gas && plainInteger(yaml, gas) === 1 && !pair('gradient_accumulation_steps');
  return edits.concat(
    deepSpeedKeyEdits(parsed, layout, {
      hyphenInsensitive: true,
      maxStage: neoxMaxStage(yaml, pair),
      derivesAccumulation: false,
      microBatch: !gas || gasIsOne,
      ...(gas && gasIsOne ? { accumulationInPlaceOf: gas } : {}),
    }),
  );
}

/** `-` when most of the file's top-level keys are hyphenated (`checkpoint-activations`), else `_`. */
function keyStyle(yaml: YamlSource): string {
  let hyphens = 0;
  let underscores = 0;
  const root = yaml.doc.contents;
  if (isMap(root))
    for (const item of root.items as Pair<Node, Node>[]) {
      const k = isScalar(item.key) ? String(item.key.value) : '';
      if (k.includes('-')) hyphens++;
      else if (k.includes('_')) underscores++;
    }
  return hyphens > underscores ? '-' : '_';
}

/** A boolean the file already writes (`True`, `true`), to write a new one alike. */
function booleanStyle(yaml: YamlSource): string | undefined {
  const root = yaml.doc.contents;
  if (isMap(root))
    for (const item of root.items as Pair<Node, Node>[])
      if (isScalar(item.value) && typeof item.value.value === 'boolean') return valueText(yaml, item);
  return undefined;
}

type PairAt = (...path: string[]) => Pair<Node, Node> | undefined;

/** The highest ZeRO stage NeoX runs with this file's parallelism (0 when a value is not plain). */
function neoxMaxStage(yaml: YamlSource, pair: PairAt): number {
  const int = (key: string, absent: number) => {
    const p = pair(key);
    return p ? plainInteger(yaml, p) : absent;
  };
  // neox_args.py defaults: pipe_parallel_size 0 (no PipelineModule), model_parallel_size 1, 1 expert.
  const pipe = int('pipe_parallel_size', 0);
  const mp = int('model_parallel_size', 1);
  const experts = int('moe_num_experts', 1);
  if (pipe === undefined || mp === undefined || experts === undefined) return 0;
  const precision = String(nodeValue(yaml, pair('precision')?.value) ?? '').toLowerCase();
  const bf16 = nodeValue(yaml, pair('bf16', 'enabled')?.value) === true || precision === 'bfloat16';
  const accum = String(nodeValue(yaml, pair('data_types', 'grad_accum_dtype')?.value) ?? '').toLowerCase();
  if (pipe >= 1 && bf16 && accum !== 'fp32') return 0;
  return pipe >= 1 || mp > 1 || experts > 1 ? 1 : 3;
}
