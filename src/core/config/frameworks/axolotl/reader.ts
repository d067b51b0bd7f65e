import type { ArchitectureSpec, ReadContext, ReadResult } from '../../../types';
import { axolotlLayout } from './layout';
import type { FrameworkReader } from '../../reader';
import { axolotlSchedule } from './schedule';
import { yamlWrittenKeys } from '../../inventory';
import { parseYaml, topLevelKeys } from '../../yamlSource';
import { SpecBuilder, formatInt } from '../../specBuilder';
import { neverThrowing, epochsOverDataset } from '../../readerPolicy';
import { findCheckpoint } from '../../tables/checkpoints';
import { AXOLOTL_SOURCE, axolotlInventory } from './inventory';

/**
 * Axolotl finetune configs (axolotl-ai-cloud/axolotl `examples/**.yml`, schema in
 * src/axolotl/utils/schemas/). N is the `base_model` checkpoint's (from the shared checkpoint table);
 * `adapter: lora|qlora` trains low-rank adapters on `lora_target_modules` (or every linear with
 * `lora_target_linear`), reported as trainable parameters beside N. D: the run is `num_epochs` over
 * `datasets` (or `max_steps` of packed or padded batches), so it needs the dataset size.
 */

/** HF model types whose decoder linears are named q/k/v/o_proj and gate/up/down_proj (peft targets). */
const LLAMA_LIKE_TYPES = new Set([
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'olmo2',
]);

/** Keys only Axolotl's schema has (src/axolotl/utils/schemas/config.py, peft.py, training.py). */
const SIGNATURE = [
  'base_model',
  'datasets',
  'sequence_len',
  'micro_batch_size',
  'num_epochs',
  'adapter',
  'lora_r',
  'lora_target_modules',
  'lora_target_linear',
  'sample_packing',
  'val_set_size',
  'gradient_accumulation_steps',
  'load_in_4bit',
  'load_in_8bit',
];

function detect(text: string): number {
  if (!/^base_model\s*:/m.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const top = topLevelKeys(yaml);
  if (!top.has('base_model')) return 0;
  const signature = SIGNATURE.filter((key) => top.has(key)).length;
  if (signature < 4) return 0;
  return Math.min(0.95, 0.5 + 0.04 * signature);
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'axolotl',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('axolotl', yaml);
  b.phase = 'architecture';
  const modelType = readArchitecture(b);
  if (b.spec.architecture) readAdapter(b, b.spec.architecture, modelType);
  b.phase = 'training';
  readTraining(b, context);
  b.phase = 'other';
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

function readArchitecture(b: SpecBuilder): string | undefined {
  const base = b.string(['base_model'], { arch: 'modelName' });
  // base_model_config: the config (shape) comes from another repo than the weights.
  const config = b.string(['base_model_config']);
  const named = config ?? base;
  if (!named) {
    b.spec.paramsMissing = ['the base model (base_model)'];
    return undefined;
  }
  b.spec.modelName = base?.value ?? named.value;
  // model_type is the transformers class loaded: a head other than the LM head (reward models'
  // …ForSequenceClassification, …ForTokenClassification) changes the count.
  const loader = b.string(['model_type']);
  if (loader && !/ForCausalLM$/i.test(loader.value.trim())) {
    b.spec.paramsMissing = [`a model of the \`${loader.value.slice(0, 60)}\` head`];
    b.diagnose(
      'warning',
      'unknown-head',
      `unknown: model_type = ${loader.value.slice(0, 60)} loads a head other than the language-model head, which Scaling Lens does not model; N not shown.`,
      loader.source.keyRange,
    );
    return undefined;
  }
  const row = findCheckpoint(named.value);
  if (!row) {
    b.spec.paramsMissing = [`the shape of \`${named.value}\` (a checkpoint Scaling Lens does not know)`];
    b.diagnose(
      'info',
      'unknown-checkpoint',
      `\`${named.value.slice(0, 80)}\` is not in Scaling Lens's checkpoint table: N is not shown.`,
      named.source.valueRange,
    );
    return undefined;
  }
  b.assume(`${row.id}: ${row.source}`);
  b.spec.architecture = structuredClone(row.architecture);
  return row.modelType;
}

/** Trainable adapter parameters of a peft LoRA over HF-named linears. */
function loraCount(
  arch: ArchitectureSpec,
  modules: readonly string[],
  rank: number,
  dora: boolean,
): number | undefined {
  const d = arch.dModel;
  const q = arch.nHeads * arch.headDim;
  const kv = arch.nKvHeads * arch.headDim;
  const f = arch.ffnSize;
  const shapes: Record<string, [number, number]> = {
    q_proj: [d, q],
    k_proj: [d, kv],
    v_proj: [d, kv],
    o_proj: [q, d],
    gate_proj: [d, f],
    up_proj: [d, f],
    down_proj: [f, d],
  };
  let perLayer = 0;
  for (const name of modules) {
    // Own keys only: a garbled list must not reach Object.prototype members.
    const shape = Object.prototype.hasOwnProperty.call(shapes, name) ? shapes[name] : undefined;
    if (!shape) return undefined;
    const [inWidth, outWidth] = shape;
    // peft LoraLayer: lora_A (r×in) + lora_B (out×r); DoRA adds lora_magnitude_vector (out).
    perLayer += rank * (inWidth + outWidth) + (dora ? outWidth : 0);
  }
  return arch.nLayers * perLayer;
}

function readAdapter(b: SpecBuilder, arch: ArchitectureSpec, modelType: string | undefined): void {
  const adapter = b.oneOf(['adapter'], ['lora', 'qlora']);
  if (!adapter) return;
  const rank = b.int(['lora_r']);
  const targets = b.find(['lora_target_modules']);
  const linear = b.bool(['lora_target_linear'])?.value ?? false;
  const dora = b.bool(['peft_use_dora'])?.value ?? false;
  const unsupported = (why: string) =>
    b.diagnose(
      'info',
      'lora-unknown',
      `The adapter's trainable count is not shown: ${why}.`,
      adapter.source.valueRange,
    );
  if (!rank) return unsupported('lora_r is not set');
  if (!modelType || !LLAMA_LIKE_TYPES.has(modelType) || arch.moe || arch.mla)
    return unsupported(`the linear layer names of a \`${modelType ?? 'unknown'}\` model are not modelled`);
  for (const key of [
    'lora_target_parameters',
    'peft_layers_to_transform',
    'lora_rank_pattern',
    'lora_modules_to_save',
  ]) {
    const found = b.find([key]);
    if (found && found.value !== null && found.value !== undefined)
      return unsupported(`\`${key}\` changes which parameters train`);
  }
  const gated = arch.gatedMlp ? ['gate_proj', 'up_proj', 'down_proj'] : ['up_proj', 'down_proj'];
  const all = ['q_proj', 'k_proj', 'v_proj', 'o_proj', ...gated];
  let modules: string[];
  if (linear) {
    // peft "all-linear" / axolotl find_all_linear_names: every nn.Linear but lm_head.
    modules = all;
  } else {
    const listed = typeof targets?.value === 'string' ? [targets.value] : targets?.value;
    if (!Array.isArray(listed) || listed.length === 0)
      return unsupported('lora_target_modules is not a list');
    modules = [...new Set(listed.map((m) => String(m)))];
    const unknown = modules.find((m) => !all.includes(m));
    if (unknown) return unsupported(`target \`${unknown}\` is not one of ${all.join(', ')}`);
  }
  const method = `${adapter.value.toLowerCase() === 'qlora' ? 'QLoRA' : dora ? 'DoRA' : 'LoRA'} rank ${rank.value}`;
  const count = loraCount(arch, modules, rank.value, dora);
  if (count === undefined)
    return unsupported('lora_target_modules names a layer Scaling Lens does not model');
  if (!Number.isSafeInteger(count)) return unsupported(`lora_r ${rank.value} gives an implausible count`);
  b.spec.trainableParams = { count, method };
}

function readTraining(b: SpecBuilder, context: ReadContext): void {
  const training = b.spec.training;
  training.finetune = true;
  const seq = b.int(['sequence_len'], { training: 'seqLen' });
  const micro = b.int(['micro_batch_size'], { training: 'microBatch' });
  const accum = b.int(['gradient_accumulation_steps'], { training: 'gradAccum' });
  const epochs = b.number(['num_epochs'], { training: 'duration' });
  const maxSteps = b.int(['max_steps'], { training: 'steps' });
  const packing = b.bool(['sample_packing'])?.value ?? false;
  b.find(['datasets']);
  if (seq) training.seqLen = seq.value;
  if (micro) training.globalBatchSeqs = micro.value * (accum?.value ?? 1);
  if (maxSteps) {
    training.steps = maxSteps.value;
    // Rows are packed or padded up to sequence_len, so steps give at most, not exactly, the tokens.
    const bound =
      micro && seq
        ? ` (at most ${formatInt(maxSteps.value * micro.value * (accum?.value ?? 1) * seq.value)} tokens per GPU)`
        : '';
    training.missing = [
      `the real tokens of ${formatInt(maxSteps.value)} steps${packing ? ' of packed rows' : ''}${bound}`,
    ];
    return;
  }
  const amount = epochs?.value ?? 1; // TrainingConfig.num_epochs: float = 1.0
  training.durationUnit = { kind: 'epochs', suffix: '' };
  const run = epochsOverDataset(amount, context.options?.datasetTokens);
  if (run) {
    training.tokens = run.tokens;
    training.formula = run.formula;
    return;
  }
  training.missing = [`dataset size (${amount} epoch${amount === 1 ? '' : 's'} over \`datasets\`)`];
  b.diagnose(
    'info',
    'missing-dataset-size',
    `Axolotl trains num_epochs over the datasets, whose size is not in the file (axolotl@${AXOLOTL_SOURCE.commit.slice(0, 8)}). Set the dataset size to compute D.`,
    epochs?.source.keyRange,
  );
}

/** Reader for Axolotl finetune configs. */
export const axolotlReader: FrameworkReader<'axolotl'> = neverThrowing({
  id: 'axolotl',
  label: 'Axolotl',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: axolotlInventory,
  schedule: axolotlSchedule,
  layout: axolotlLayout,
});
