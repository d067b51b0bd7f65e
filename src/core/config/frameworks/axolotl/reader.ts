import type { ArchitectureSpec, ReadContext, ReadResult } from '../../../types';
import { axolotlLayout } from './layout';
import type { FrameworkReader } from '../../reader';
import { axolotlSchedule } from './schedule';
import { yamlWrittenKeys } from '../../inventory';
import { parseYaml, topLevelKeys } from '../../yamlSource';
import { SpecBuilder, formatInt } from '../../specBuilder';
import { neverThrowing, epochsOverDataset } from '../../readerPolicy';
import { findCheckpoint, type CheckpointRow } from '../../tables/checkpoints';
import { AXOLOTL_SOURCE, axolotlInventory } from './inventory';

/**
 * Axolotl finetune configs (axolotl-ai-cloud/axolotl `examples/**.yml`, schema in
 * src/axolotl/utils/schemas/). N is the `base_model` checkpoint's (from the shared checkpoint table);
 * `adapter: lora|qlora` trains low-rank adapters on `lora_target_modules` (or every linear with
 * `lora_target_linear`), reported as trainable parameters beside N. D: the run is `num_epochs` over
 * `datasets` (or `max_steps` of packed or padded batches), so it needs the dataset size.
 */

/** HF model types whose decoder linears are named q/k/v/o_proj and gate/up/down_proj (peft targets). */
export const LLAMA_LIKE_TYPES: ReadonlySet<string> = new Set([
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
  if (b.spec.architecture) {
    readAdapter(b, b.spec.architecture, modelType);
    noteSpecialTokens(b, b.spec.architecture);
  }
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
  if (!tokenizerFits(b, row, [base?.value, config?.value])) return undefined;
  if (medusaHeads(b, row)) return undefined;
  b.assume(`${row.id}: ${row.source}`);
  b.spec.architecture = structuredClone(row.architecture);
  return row.modelType;
}

/**
 * `medusa_num_heads` is no key of Axolotl's schema (upstream ignores it) but of the Medusa authors'
 * fork ctlllll/axolotl@76bc572d (the one FasterDecoding/Medusa trains with): utils/models.py
 * load_model calls monkeypatch/medusa_utils.py add_medusa_heads, which adds medusa_num_heads heads of
 * `[ResBlock(d)] * medusa_num_layers` (one shared Linear(d, d) with bias, the list repeats the same
 * module) and a Linear(d, vocab) without bias; under `adapter` the heads join lora_modules_to_save
 * (trained copies), and `medusa_only_heads` freezes the base. N and the trainable set are the fork's,
 * not the checkpoint's: N unknown, the heads' size stated. Returns true when the key is set.
 */
function medusaHeads(b: SpecBuilder, row: CheckpointRow): boolean {
  const found = b.find(['medusa_num_heads']);
  if (!found || found.value === null || found.value === undefined) return false;
  const heads =
    typeof found.value === 'number' && Number.isSafeInteger(found.value) ? found.value : undefined;
  const layersValue = b.find(['medusa_num_layers'])?.value;
  // utils/config.py normalize_config: medusa_num_layers defaults to 0.
  const layers = layersValue === null || layersValue === undefined ? 0 : layersValue;
  const { dModel: d, vocabSize: v } = row.architecture;
  const size =
    heads !== undefined && typeof layers === 'number' && layers >= 0
      ? heads * ((layers > 0 ? d * d + d : 0) + d * v)
      : undefined;
  b.spec.paramsMissing = ['a model of `medusa_num_heads` (the Medusa fork of Axolotl)'];
  b.diagnose(
    'warning',
    'not-modelled-key',
    `unknown: medusa_num_heads = ${String(found.value).slice(0, 20)} — not Axolotl's key but the Medusa fork's (ctlllll/axolotl@76bc572d monkeypatch/medusa_utils.py add_medusa_heads), which adds ${size === undefined ? 'Medusa heads' : `${formatInt(size)} parameters of Medusa heads`} to ${row.id} and changes which parameters train; N not shown.`,
    found.source.keyRange,
  );
  return true;
}

/**
 * `tokenizer_config` loads "a different tokenizer than the one defined in the base model"
 * (axolotl@067b021c schemas/model.py; utils/config/__init__.py normalize_config defaults it to
 * base_model_config or base_model), and loaders/model.py _resize_token_embeddings grows the embedding
 * (and an untied LM head) to len(tokenizer) when that exceeds its rows. The checkpoint's count holds
 * when the tokenizer is the checkpoint's own, or another known checkpoint's whose embedding (which
 * holds every id of its tokenizer) has no more rows; otherwise N depends on a length not in the file.
 */
function tokenizerFits(b: SpecBuilder, row: CheckpointRow, model: readonly (string | undefined)[]): boolean {
  const tokenizer = b.string(['tokenizer_config']);
  const name = tokenizer?.value.trim();
  if (!tokenizer || !name) return true;
  const key = (s: string) => s.trim().replace(/\/+$/, '').toLowerCase();
  if (model.some((m) => m !== undefined && key(m) === key(name))) return true;
  const other = findCheckpoint(name);
  if (other && other.id === row.id) return true;
  const rows = row.architecture.vocabSize;
  if (other && other.architecture.vocabSize <= rows) {
    b.assume(
      `tokenizer_config ${other.id}: its tokenizer fits its ${formatInt(other.architecture.vocabSize)} embedding rows, no more than ${row.id}'s ${formatInt(rows)}, so _resize_token_embeddings does not grow the embedding`,
    );
    return true;
  }
  const why = other
    ? `its checkpoint ${other.id} embeds ${formatInt(other.architecture.vocabSize)} ids, more than the ${formatInt(rows)} rows of ${row.id}`
    : `len(tokenizer) of \`${name.slice(0, 80)}\` is not known`;
  b.spec.paramsMissing = [`len(tokenizer) of \`tokenizer_config\` = \`${name.slice(0, 80)}\``];
  b.diagnose(
    'warning',
    'not-modelled-key',
    `unknown: tokenizer_config = ${name.slice(0, 80)} — a tokenizer other than the base model's, and ${why}: loaders/model.py _resize_token_embeddings grows the embedding${row.architecture.tiedEmbeddings ? '' : ' and the LM head'} to len(tokenizer) when it exceeds the rows (axolotl@${AXOLOTL_SOURCE.commit.slice(0, 8)}); N not shown.`,
    tokenizer.source.keyRange,
  );
  return false;
}

/** Trainable adapter parameters of a peft LoRA over HF-named linears (also read by llm-foundry's peft_config). */
export function loraCount(
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

/** The linear layers of a Llama-style HF decoder layer (peft target names), lm_head aside. */
export function hfLinearNames(arch: ArchitectureSpec): string[] {
  const gated = arch.gatedMlp ? ['gate_proj', 'up_proj', 'down_proj'] : ['up_proj', 'down_proj'];
  return ['q_proj', 'k_proj', 'v_proj', 'o_proj', ...gated];
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
  // loaders/adapter.py load_lora (axolotl@067b021c): `if cfg.lora_model_dir:` loads the saved adapter
  // with PeftModel.from_pretrained(…, is_trainable=True); its adapter_config.json, not lora_r /
  // lora_target_modules, sets the adapters' shapes.
  const resumed = b.find(['lora_model_dir'])?.value;
  if (resumed !== null && resumed !== undefined && resumed !== '' && resumed !== false)
    return unsupported(
      '`lora_model_dir` loads a saved adapter, whose adapter_config.json (not lora_r / lora_target_modules) sets its shapes',
    );
  if (!rank) return unsupported('lora_r is not set');
  if (!modelType || !LLAMA_LIKE_TYPES.has(modelType) || arch.moe || arch.mla)
    return unsupported(`the linear layer names of a \`${modelType ?? 'unknown'}\` model are not modelled`);
  for (const key of [
    'lora_target_parameters',
    'peft_layers_to_transform',
    'lora_rank_pattern',
    // loaders/adapter.py _build_lora_config_kwargs / _build_peft_lora_config pass these to LoraConfig:
    // extra trainable embedding rows, excluded targets, replicated layers with their own adapters.
    'peft_trainable_token_indices',
    'lora_exclude_modules',
    'peft_layer_replication',
    // train.py freeze_layers_except (axolotl@067b021c): every parameter not matching these regexes,
    // the adapters' included, gets requires_grad = False.
    'unfrozen_parameters',
  ]) {
    const found = b.find([key]);
    if (found && found.value !== null && found.value !== undefined)
      return unsupported(`\`${key}\` changes which parameters train`);
  }
  const all = hfLinearNames(arch);
  // peft check_target_module_exists: a string target_modules is a regex over full module names;
  // _build_peft_lora_config wraps it in a list only under lora_target_linear.
  if (typeof targets?.value === 'string' && !linear)
    return unsupported('lora_target_modules is a regex over module names');
  const listed = typeof targets?.value === 'string' ? [targets.value] : targets?.value;
  const named = Array.isArray(listed) ? [...new Set(listed.map((m) => String(m)))] : [];
  if (!linear && named.length === 0) return unsupported('lora_target_modules is not a list');
  // _build_peft_lora_config: lora_target_linear adds find_all_linear_names (every linear but
  // lm_head) to lora_target_modules, so a listed name outside them still counts.
  const modules = linear ? [...new Set([...all, ...named])] : named;
  const unknown = modules.find((m) => !all.includes(m));
  if (unknown) return unsupported(`target \`${unknown}\` is not one of ${all.join(', ')}`);
  const saved = modulesToSave(b, arch);
  if (typeof saved === 'string') return unsupported(saved);
  const method = `${adapter.value.toLowerCase() === 'qlora' ? 'QLoRA' : dora ? 'DoRA' : 'LoRA'} rank ${rank.value}${saved.names.length ? ` + ${saved.names.join(', ')}` : ''}`;
  const lora = loraCount(arch, modules, rank.value, dora);
  const count = lora === undefined ? undefined : lora + saved.count;
  if (count === undefined)
    return unsupported('lora_target_modules names a layer Scaling Lens does not model');
  if (!Number.isSafeInteger(count)) return unsupported(`lora_r ${rank.value} gives an implausible count`);
  b.spec.trainableParams = { count, method };
}

/**
 * loaders/tokenizer.py adds every `special_tokens` value with add_special_tokens, and loaders/model.py
 * _resize_token_embeddings grows the embedding when len(tokenizer) exceeds its rows. Whether a value is
 * new to the tokenizer is not in the file, so N stays the checkpoint's and the bound is stated.
 */
function noteSpecialTokens(b: SpecBuilder, arch: ArchitectureSpec): void {
  const found = b.find(['special_tokens']);
  if (!found || !found.value || typeof found.value !== 'object' || Array.isArray(found.value)) return;
  const values = Object.values(found.value as Record<string, unknown>).flatMap((v) =>
    Array.isArray(v) ? v : [v],
  );
  const count = new Set(values.filter((v) => typeof v === 'string')).size;
  if (count === 0) return;
  const perToken = arch.dModel * (arch.tiedEmbeddings ? 1 : 2);
  b.diagnose(
    'info',
    'special-tokens-resize',
    `N assumes the ${count} special_tokens are already in the tokenizer: each new one adds an embedding row${arch.tiedEmbeddings ? '' : ' and an LM-head row'} once len(tokenizer) exceeds the ${formatInt(arch.vocabSize)} rows (at most +${formatInt(count * perToken)} parameters; loaders/model.py _resize_token_embeddings).`,
    found.source.keyRange,
  );
}

/**
 * lora_modules_to_save (loaders/adapter.py → LoraConfig.modules_to_save): peft@v0.19.1 (Axolotl's pin)
 * utils/other.py ModulesToSaveWrapper.update deep-copies each module and trains the copy, so each
 * adds its full size. Counted for an untied, bias-free embedding and LM head only: with tied
 * embeddings the copies depend on ensure_weight_tying (peft_ensure_weight_tying), not modelled here.
 */
function modulesToSave(b: SpecBuilder, arch: ArchitectureSpec): { names: string[]; count: number } | string {
  const found = b.find(['lora_modules_to_save']);
  if (found?.value === null || found?.value === undefined) return { names: [], count: 0 };
  if (!Array.isArray(found.value)) return '`lora_modules_to_save` is not a list';
  const names = [...new Set(found.value.map((m) => String(m)))];
  if (names.length === 0) return { names, count: 0 };
  const sizes: Record<string, number> = {
    embed_tokens: arch.vocabSize * arch.dModel,
    lm_head: arch.vocabSize * arch.dModel,
  };
  const other = names.find((m) => !Object.prototype.hasOwnProperty.call(sizes, m));
  if (other) return `\`lora_modules_to_save\` names \`${other}\`, whose size is not modelled`;
  // loaders/model.py _resize_token_embeddings grows the embedding to len(tokenizer) before peft copies
  // it, and whether `tokens` / `special_tokens` are new to the tokenizer is not in the file.
  for (const key of ['tokens', 'special_tokens', 'resize_token_embeddings_to_32x', 'shrink_embeddings']) {
    const set = b.find([key])?.value;
    if (set !== null && set !== undefined && set !== false)
      return `\`lora_modules_to_save\` copies an embedding whose rows \`${key}\` can change`;
  }
  if (arch.tiedEmbeddings)
    return '`lora_modules_to_save` on tied embeddings (the copies depend on peft_ensure_weight_tying)';
  if (arch.lmHeadBias) return '`lora_modules_to_save` on an LM head with a bias';
  return { names, count: names.reduce((sum, m) => sum + sizes[m]!, 0) };
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
  const batch = b.int(['batch_size']);
  const rl = b.string(['rl']);
  b.find(['datasets']);
  if (seq) training.seqLen = seq.value;
  // utils/config/__init__.py normalize_config: gradient_accumulation_steps = … or batch_size // micro_batch_size.
  // A batch_size below micro_batch_size would give 0 there, which the trainer refuses: no batch then.
  const derived = batch && micro ? Math.floor(batch.value / micro.value) : 1;
  const steps = accum?.value || derived;
  if (micro && steps > 0) training.globalBatchSeqs = micro.value * steps;
  if (maxSteps) {
    training.steps = maxSteps.value;
    // Rows are packed or padded up to sequence_len, so steps give at most, not exactly, the tokens.
    // Under `rl` a row is a chosen + rejected pair (DPO/IPO/ORPO/SimPO) or generated completions
    // (GRPO), so micro_batch_size × sequence_len does not bound the tokens of a step.
    const bound =
      micro && seq && !rl?.value
        ? ` (at most ${formatInt(maxSteps.value * micro.value * steps * seq.value)} tokens per GPU)`
        : rl?.value
          ? ` (rl ${rl.value.slice(0, 20)}: rows are preference pairs or generated completions)`
          : '';
    training.missing = [
      `the real tokens of ${formatInt(maxSteps.value)} steps${packing ? ' of packed rows' : ''}${bound}`,
    ];
    return;
  }
  // An iterable dataset has no length: the schema refuses it without max_steps
  // (axolotl@067b021c src/axolotl/utils/schemas/validation.py check_pretraining_w_max_steps,
  // check_streaming_w_max_steps), so num_epochs × dataset size is no run.
  const pretraining = b.find(['pretraining_dataset']);
  const streaming = b.find(['streaming']);
  const iterable =
    pretraining &&
    pretraining.value !== null &&
    pretraining.value !== undefined &&
    pretraining.value !== false
      ? pretraining
      : streaming?.value === true
        ? streaming
        : undefined;
  if (iterable) {
    training.missing = [`unknown: max_steps (required with \`${iterable.source.key}\`)`];
    b.diagnose(
      'error',
      'missing-duration',
      `unknown: max_steps — Axolotl refuses \`${iterable.source.key}\` without max_steps ("max_steps must be set when using ${iterable.source.key === 'streaming' ? 'streaming datasets' : 'iterable pretraining_dataset'}", schemas/validation.py); D is not shown.`,
      iterable.source.keyRange,
    );
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
