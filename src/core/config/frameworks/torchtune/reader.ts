import type { ArchitectureSpec, ReadContext, ReadResult } from '../../../types';
import { torchtuneLayout } from './layout';
import { llamaArchitecture } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { torchtuneSchedule } from './schedule';
import { neverThrowing } from '../../readerPolicy';
import { yamlWrittenKeys } from '../../inventory';
import { keysAt, parseYaml, topLevelKeys } from '../../yamlSource';
import { SpecBuilder, formatInt } from '../../specBuilder';
import {
  TORCHTUNE_BUILDERS,
  TORCHTUNE_COMPONENTS,
  TORCHTUNE_SOURCE,
  type TorchtuneBuilderRow,
} from './tables';
import { torchtuneInventory } from './inventory';

/**
 * torchtune recipe configs (pytorch/torchtune `recipes/configs/**.yaml`): `model._component_` names a
 * model builder (`torchtune.models.llama3_1.llama3_1_8b`, `lora_…`, `qlora_…`) whose dimensions are
 * in tables.ts, generated from the builders' source. LoRA builders add adapters of rank
 * `lora_rank` to `lora_attn_modules` (+ MLP, + output): they are reported as trainable parameters
 * beside the base N. D: recipes train `epochs` passes over a dataset named by `_component_`, whose
 * size is not in the file, so D needs the dataset size from the settings.
 */

/**
 * How each component builder family builds a decoder (torchtune/models/<family>/_component_builders.py
 * @ TORCHTUNE_SOURCE.commit): all use RMSNorm with weight, SwiGLU/GeGLU (3 matrices), no linear
 * biases unless stated, RoPE.
 */
const FAMILIES: Readonly<Record<string, { tied: boolean; normsPerLayer: number }>> = {
  // nn.Linear(embed_dim, vocab_size, bias=False) output: untied.
  llama2: { tied: false, normsPerLayer: 2 },
  llama3: { tied: false, normsPerLayer: 2 },
  llama3_1: { tied: false, normsPerLayer: 2 },
  mistral: { tied: false, normsPerLayer: 2 },
  phi3: { tied: false, normsPerLayer: 2 },
  // TiedLinear(tok_embeddings) when tie_word_embeddings (the row carries the flag).
  llama3_2: { tied: true, normsPerLayer: 2 },
  smollm2: { tied: true, normsPerLayer: 2 },
  qwen2: { tied: false, normsPerLayer: 2 },
  qwen3: { tied: false, normsPerLayer: 2 },
  // gemma: output_proj = TiedLinear(tok_embeddings) always; gemma2 adds sa_scale/mlp_scale norms.
  gemma: { tied: true, normsPerLayer: 2 },
  gemma2: { tied: true, normsPerLayer: 4 },
};

/** torchtune LORA_ATTN_MODULES (torchtune/modules/peft/_utils.py). */
const LORA_ATTN_MODULES = ['q_proj', 'k_proj', 'v_proj', 'output_proj'] as const;

/** The base builder a `_component_` names: lora_/qlora_ builders share the base dimensions. */
export function torchtuneBuilder(component: string): {
  row?: TorchtuneBuilderRow;
  base: string;
  lora: boolean;
} {
  const match = /^(.*\.)(q?lora_)?([A-Za-z0-9_]+)$/.exec(component.trim());
  if (!match) return { base: component, lora: false };
  const base = `${match[1]}${match[3]}`;
  const row = Object.hasOwn(TORCHTUNE_BUILDERS, base) ? TORCHTUNE_BUILDERS[base] : undefined;
  return { ...(row ? { row } : {}), base, lora: Boolean(match[2]) };
}

/** Component-builder arguments that set the shape (`_component_: torchtune.models.llama2.llama2`). */
const SHAPE_ARGS = {
  ints: [
    'vocab_size',
    'num_layers',
    'num_heads',
    'num_kv_heads',
    'embed_dim',
    'intermediate_dim',
    'head_dim',
  ],
  bools: ['tie_word_embeddings', 'q_proj_bias', 'k_proj_bias', 'v_proj_bias', 'q_norm', 'k_norm'],
} as const;

/** Families whose component builder computes a missing intermediate_dim (scale_hidden_dim_for_mlp). */
const SCALED_MLP_FAMILIES = new Set(['llama2', 'llama3', 'llama3_1', 'llama3_2']);

/** llama2/llama3 `_model_utils.scale_hidden_dim_for_mlp(dim, multiple_of=256)`. */
export function scaleHiddenDimForMlp(dim: number, multipleOf = 256): number {
  const hidden = 4 * Math.trunc((2 * dim) / 3);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

/** A builder row from a component builder configured in the file, or undefined (diagnosed). */
function componentRow(b: SpecBuilder, base: string): TorchtuneBuilderRow | undefined {
  if (!Object.hasOwn(TORCHTUNE_COMPONENTS, base)) return undefined;
  const component = TORCHTUNE_COMPONENTS[base]!;
  const row: TorchtuneBuilderRow = {
    family: component.family,
    module: component.module,
    ...component.defaults,
  };
  for (const key of SHAPE_ARGS.ints) {
    const found = b.int(['model', key]);
    if (found) row[key] = found.value;
  }
  for (const key of SHAPE_ARGS.bools) {
    const found = b.bool(['model', key]);
    if (found) row[key] = found.value;
  }
  if (!row.intermediate_dim && SCALED_MLP_FAMILIES.has(row.family) && row.embed_dim) {
    row.intermediate_dim = scaleHiddenDimForMlp(row.embed_dim);
    b.assume(`intermediate_dim = scale_hidden_dim_for_mlp(${row.embed_dim}) = ${row.intermediate_dim}`);
  }
  const missing = [
    'vocab_size',
    'num_layers',
    'num_heads',
    'num_kv_heads',
    'embed_dim',
    'intermediate_dim',
  ].filter((key) => !row[key as keyof TorchtuneBuilderRow]);
  // One flag per projection in torchtune; the count models q, k, v biases (and norms) together.
  const split =
    new Set([row.q_proj_bias ?? false, row.k_proj_bias ?? false, row.v_proj_bias ?? false]).size > 1 ||
    (row.q_norm ?? false) !== (row.k_norm ?? false);
  if (missing.length || split) {
    b.spec.paramsMissing = [
      missing.length
        ? `model.${missing.join(', model.')} (arguments of ${base})`
        : 'a model of different q/k/v bias or norm flags',
    ];
    return undefined;
  }
  return row;
}

/** The architecture of a builder row (tie flag as built, possibly overridden by the config). */
export function torchtuneArchitecture(
  row: TorchtuneBuilderRow,
  tied?: boolean,
): ArchitectureSpec | undefined {
  const family = Object.hasOwn(FAMILIES, row.family) ? FAMILIES[row.family] : undefined;
  const { num_layers, embed_dim, num_heads, num_kv_heads, intermediate_dim, vocab_size } = row;
  if (!family || !num_layers || !embed_dim || !num_heads || !num_kv_heads || !intermediate_dim || !vocab_size)
    return undefined;
  const headDim = row.head_dim ?? embed_dim / num_heads;
  if (!Number.isInteger(headDim)) return undefined;
  return llamaArchitecture({
    nLayers: num_layers,
    dModel: embed_dim,
    nHeads: num_heads,
    nKvHeads: num_kv_heads,
    headDim,
    ffnSize: intermediate_dim,
    vocabSize: vocab_size,
    tiedEmbeddings: tied ?? row.tie_word_embeddings ?? family.tied,
    qkvBias: row.q_proj_bias ?? false,
    normsPerLayer: family.normsPerLayer,
    qkNorm: row.q_norm ? 'head' : 'none',
  });
}

/** Which linears a LoRA finetune adapts (names as torchtune spells them). */
export interface LoraTargets {
  rank: number;
  /** Subset of q_proj, k_proj, v_proj, output_proj. */
  attn: readonly string[];
  mlp: boolean;
  output: boolean;
  /** DoRA adds a magnitude vector of the output width to every adapted linear. */
  dora: boolean;
}

/**
 * Trainable adapter parameters: each adapted linear in→out gets A (rank×in) and B (out×rank),
 * torchtune LoRALinear / peft LoraLayer; DoRA adds `magnitude` (out). Per distinct layer kind.
 */
export function loraTrainableParams(arch: ArchitectureSpec, targets: LoraTargets): number {
  const d = arch.dModel;
  const q = arch.nHeads * arch.headDim;
  const kv = arch.nKvHeads * arch.headDim;
  const shapes: Record<string, [number, number]> = {
    q_proj: [d, q],
    k_proj: [d, kv],
    v_proj: [d, kv],
    output_proj: [q, d],
  };
  const linear = ([inWidth, outWidth]: [number, number]) =>
    targets.rank * (inWidth + outWidth) + (targets.dora ? outWidth : 0);
  let perLayer = 0;
  for (const name of targets.attn) perLayer += shapes[name] ? linear(shapes[name]) : 0;
  if (targets.mlp) {
    const f = arch.ffnSize;
    perLayer += linear([d, f]) + linear([f, d]) + (arch.gatedMlp ? linear([d, f]) : 0);
  }
  return arch.nLayers * perLayer + (targets.output ? linear([d, arch.vocabSize]) : 0);
}

/** Top-level keys of torchtune recipe configs (recipes/configs/**.yaml). */
const TOP_SIGNATURE = [
  'checkpointer',
  'tokenizer',
  'dataset',
  'epochs',
  'max_steps_per_epoch',
  'gradient_accumulation_steps',
  'batch_size',
  'optimizer',
  'loss',
  'metric_logger',
  'output_dir',
  'resume_from_checkpoint',
  'enable_activation_checkpointing',
];

function detect(text: string): number {
  if (!/_component_\s*:\s*torchtune\./.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const model = keysAt(yaml, ['model']);
  if (!model.has('_component_')) return 0;
  const top = topLevelKeys(yaml);
  const signature = TOP_SIGNATURE.filter((key) => top.has(key)).length;
  return Math.min(0.95, 0.6 + 0.03 * signature);
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'torchtune',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('torchtune', yaml);
  b.phase = 'architecture';
  readArchitecture(b);
  b.phase = 'training';
  readTraining(b, context);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

function readArchitecture(b: SpecBuilder): void {
  const component = b.string(['model', '_component_'], { arch: 'modelName' });
  if (!component) {
    b.spec.paramsMissing = ['a model builder (model._component_)'];
    return;
  }
  const builder = torchtuneBuilder(component.value);
  const { base, lora } = builder;
  b.spec.modelName = base.replace(/^torchtune\.models\./, '');
  if (!builder.row && Object.hasOwn(TORCHTUNE_COMPONENTS, base)) {
    const configured = componentRow(b, base);
    if (!configured) return;
    return finishArchitecture(b, configured, base, lora, component.value);
  }
  const row = builder.row;
  if (!row) {
    b.spec.paramsMissing = [
      `the shape of \`${component.value}\` (not a torchtune model builder Scaling Lens knows)`,
    ];
    b.diagnose(
      'warning',
      'unknown-model',
      `\`${component.value.slice(0, 80)}\` is not one of the torchtune model builders in Scaling Lens's table (pytorch/torchtune@${TORCHTUNE_SOURCE.commit.slice(0, 8)}): N is not shown.`,
      component.source.valueRange,
    );
    return;
  }
  // A model builder takes only its own arguments; a shape argument it does not take would make
  // torchtune fail, and a count from the table would describe another model.
  const foreign = [...SHAPE_ARGS.ints, ...SHAPE_ARGS.bools].filter(
    (key) => !row.overridable?.includes(key) && b.has(['model', key]),
  );
  if (foreign.length) {
    const written = b.find(['model', foreign[0]!]);
    b.spec.paramsMissing = [`a model of \`${base}\` with \`model.${foreign[0]}\``];
    b.diagnose(
      'warning',
      'unknown-argument',
      `unknown: \`${base}\` takes no argument \`${foreign[0]}\`; N is not shown.`,
      written?.source.keyRange,
    );
    return;
  }
  // config.instantiate calls the builder with every other `model:` key as a keyword argument
  // (torchtune/config/_instantiate.py): one the builder does not take raises TypeError — a LoRA
  // argument on a full builder, or a fork's own argument (which, in that fork, may change the model).
  const accepted = new Set<string>([
    '_component_',
    ...(row.overridable ?? []),
    ...(lora ? LORA_BUILDER_ARGS : []),
  ]);
  const stray = [...keysAt(b.yaml, ['model'])].find((key) => !accepted.has(key));
  if (stray !== undefined) {
    const written = b.find(['model', stray]);
    b.spec.paramsMissing = [`a model of \`${base}\` with \`model.${stray.slice(0, 40)}\``];
    b.diagnose(
      'error',
      'unknown-argument',
      `unknown: \`${component.value.slice(0, 80)}\` takes no argument \`${stray.slice(0, 40)}\` (its _model_builders.py signature at torchtune@${TORCHTUNE_SOURCE.commit.slice(0, 8)}): config.instantiate raises TypeError, and a fork that takes it builds another model; N is not shown.`,
      written?.source.keyRange,
    );
    return;
  }
  finishArchitecture(b, row, base, lora, component.value);
}

/**
 * Keyword arguments of the lora_/qlora_ model builders (torchtune@bd2a0fc7 models/*\/_model_builders.py:
 * lora_attn_modules, apply_lora_to_mlp, apply_lora_to_output, lora_rank, lora_alpha, lora_dropout,
 * use_dora, quantize_base; the tied builders take no apply_lora_to_output, left to the count's note).
 */
const LORA_BUILDER_ARGS = [
  'lora_attn_modules',
  'apply_lora_to_mlp',
  'apply_lora_to_output',
  'lora_rank',
  'lora_alpha',
  'lora_dropout',
  'use_dora',
  'quantize_base',
];

function finishArchitecture(
  b: SpecBuilder,
  row: TorchtuneBuilderRow,
  base: string,
  lora: boolean,
  component: string,
): void {
  const tiedSetting = row.overridable?.includes('tie_word_embeddings')
    ? b.bool(['model', 'tie_word_embeddings'], { arch: 'tiedEmbeddings' })?.value
    : undefined;
  const architecture = torchtuneArchitecture(row, tiedSetting);
  if (!architecture) {
    b.spec.paramsMissing = [`the shape of \`${component}\``];
    return;
  }
  const file = Object.hasOwn(TORCHTUNE_BUILDERS, base) ? '_model_builders.py' : '_component_builders.py';
  b.assume(`${base}: torchtune/models/${row.module}/${file} @ ${TORCHTUNE_SOURCE.commit.slice(0, 8)}`);
  b.spec.architecture = architecture;
  if (lora) readLora(b, architecture, component);
}

function readLora(b: SpecBuilder, arch: ArchitectureSpec, component: string): void {
  const modules = b.find(['model', 'lora_attn_modules']);
  const attn = Array.isArray(modules?.value) ? modules.value.map((m) => String(m)) : undefined;
  const rank = b.int(['model', 'lora_rank'])?.value ?? 8; // lora_* builders: lora_rank: int = 8
  const mlp = b.bool(['model', 'apply_lora_to_mlp'])?.value ?? false;
  const output = b.bool(['model', 'apply_lora_to_output'])?.value ?? false;
  const dora = b.bool(['model', 'use_dora'])?.value ?? false;
  // qlora_* builders are functools.partial(lora_*, quantize_base=True) (torchtune@bd2a0fc7
  // models/llama3_1/_model_builders.py qlora_llama3_1_8b): a written quantize_base overrides the
  // builder's, so the label follows it. The count is the same either way (NF4 storage only).
  const quantized = b.bool(['model', 'quantize_base'])?.value ?? /\.qlora_/.test(component);
  if (!attn || attn.some((m) => !(LORA_ATTN_MODULES as readonly string[]).includes(m))) {
    b.diagnose(
      'info',
      'lora-unknown',
      'model.lora_attn_modules is missing or names a module outside q_proj, k_proj, v_proj, output_proj: the LoRA trainable count is not shown.',
      modules?.source.valueRange,
    );
    return;
  }
  if (output && arch.tiedEmbeddings) {
    // torchtune refuses LoRA on a TiedLinear output; the count would describe a model it cannot build.
    b.diagnose('info', 'lora-unknown', 'apply_lora_to_output with tied embeddings: not counted.');
    return;
  }
  const method = `${quantized ? (dora ? 'QLoRA + DoRA' : 'QLoRA') : dora ? 'DoRA' : 'LoRA'} rank ${rank}`;
  b.spec.trainableParams = { count: loraTrainableParams(arch, { rank, attn, mlp, output, dora }), method };
}

function readTraining(b: SpecBuilder, context: ReadContext): void {
  const training = b.spec.training;
  // The evaluation, generation and quantization recipes (torchtune@bd2a0fc7 recipes/eleuther_eval.py,
  // generate.py, quantize.py and their configs) build no optimizer, dataset or epochs: they train
  // nothing, and a dataset size would not make them.
  if (!b.has(['optimizer']) && !b.has(['dataset']) && !b.has(['epochs'])) {
    training.missing = [
      'no training: no `optimizer`, `dataset` or `epochs` (an evaluation/generation recipe config)',
    ];
    b.diagnose(
      'info',
      'no-training',
      'This torchtune config has no `optimizer`, `dataset` or `epochs`: it is for an evaluation, generation or quantization recipe, which trains nothing, so no tokens, FLOPs or loss are shown.',
    );
    return;
  }
  training.finetune = true;
  // recipes/knowledge_distillation_{single_device,distributed}.py @ bd2a0fc7 (_setup_teacher_model,
  // train: teacher_logits = self._teacher_model(tokens, ...)): a frozen teacher runs a forward pass
  // on every batch. N and D are the student's; the teacher's forward compute is not in 6·N·D.
  const teacher = b.string(['teacher_model', '_component_']);
  if (teacher) {
    b.diagnose(
      'info',
      'kd-teacher',
      `Knowledge distillation: the frozen teacher \`${teacher.value.slice(0, 80)}\` also runs a forward pass on every token (about 2 × its parameters FLOPs per token), which the 6·N·D FLOPs of the student do not include.`,
      teacher.source.valueRange,
    );
  }
  const epochs = b.int(['epochs'], { training: 'duration' });
  // Read for their sources (hovers, lenses); they make no global batch on their own (below).
  b.int(['batch_size'], { training: 'microBatch' });
  b.int(['gradient_accumulation_steps'], { training: 'gradAccum' });
  const maxSteps = b.int(['max_steps_per_epoch'], { training: 'steps' });
  const seq = b.int(['tokenizer', 'max_seq_len'], { training: 'seqLen' });
  const packed = b.bool(['dataset', 'packed'])?.value ?? false;
  const dataset = b.string(['dataset', '_component_']);
  // A split other than the whole train split (`train[:95%]`) trains on a slice the settings' dataset
  // size does not describe.
  const split = b.string(['dataset', 'split']);
  // A list of datasets is a ConcatDataset (full_finetune_distributed.py _setup_data); any slice in it
  // makes the total something other than the datasets' sizes.
  const datasetList = b.find(['dataset'])?.value;
  const listSplits = Array.isArray(datasetList)
    ? datasetList.map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>).split : undefined))
    : [];
  const listSliced = listSplits.some((s) => s !== undefined && s !== null && String(s).trim() !== 'train');
  const sliced = (split !== undefined && split.value.trim() !== 'train') || listSliced;
  if (seq) training.seqLen = seq.value;
  if (epochs) training.durationUnit = { kind: 'epochs', suffix: '' };
  // Sequences per optimizer step per device; the device count multiplies it.
  // No global batch: the distributed recipes multiply batch_size × gradient_accumulation_steps by
  // the data-parallel degree, which the world size decides (full_finetune_distributed.py:
  // StatefulDistributedSampler(num_replicas=self.dp_degree), ParallelDims(world_size=...)); the file
  // does not say which recipe runs it, nor on how many GPUs.
  if (maxSteps) {
    // A per-epoch step cap: the run is min(dataset, cap) per epoch — unknowable without the dataset.
    training.missing = ['dataset size (and max_steps_per_epoch caps each epoch)'];
  }
  const datasetTokens = context.options?.datasetTokens;
  if (epochs && datasetTokens && datasetTokens > 0 && !maxSteps && !sliced) {
    training.tokens = epochs.value * datasetTokens;
    training.formula = `${epochs.value} epochs × ${formatInt(datasetTokens)} dataset tokens (from settings)`;
    b.assume(
      'the dataset size counts tokens as torchtune feeds them: samples truncated at tokenizer.max_seq_len' +
        (seq ? ` (${seq.value})` : '') +
        '; each epoch drops the last partial batch and accumulation (drop_last, len(dataloader) // gradient_accumulation_steps)',
    );
    return;
  }
  if (!training.missing) {
    training.missing = [
      `dataset size (${dataset ? `\`${dataset.value.slice(0, 60)}\`` : 'the dataset'}${split && sliced ? ` split \`${split.value.slice(0, 30)}\`` : listSliced ? ' with a sliced split in the list' : ''} for ${epochs?.value ?? 1} epoch${(epochs?.value ?? 1) === 1 ? '' : 's'}${packed ? ', packed' : ''})`,
    ];
  }
  b.diagnose(
    'info',
    'missing-dataset-size',
    'torchtune trains `epochs` passes over the dataset, whose size is not in the file. Set the dataset size to compute D.',
    epochs?.source.keyRange,
  );
}

/** Reader for torchtune recipe configs. */
export const torchtuneReader: FrameworkReader<'torchtune'> = neverThrowing({
  id: 'torchtune',
  label: 'torchtune',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: torchtuneInventory,
  schedule: torchtuneSchedule,
  layout: torchtuneLayout,
});
