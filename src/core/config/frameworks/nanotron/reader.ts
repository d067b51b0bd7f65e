import type { ArchitectureSpec, ReadResult } from '../../../types';
import { nanotronLayout } from './layout';
import { llamaArchitecture } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { nanotronSchedule } from './schedule';
import { neverThrowing, padVocab } from '../../readerPolicy';
import { yamlWrittenKeys } from '../../inventory';
import { keysAt, lookup, parseYaml, topLevelKeys } from '../../yamlSource';
import { SpecBuilder, formatInt } from '../../specBuilder';
import { NANOTRON_CONFIG_FIELDS, NANOTRON_DEFAULTS, NANOTRON_SOURCE, nanotronInventory } from './inventory';

/**
 * nanotron YAML configs (huggingface/nanotron `examples/*.yaml`, huggingface/smollm): the model is
 * `model.model_config` (a LlamaConfig, or a Qwen2Config with `is_qwen2_config`), its vocabulary padded
 * to a multiple of make_vocab_size_divisible_by × tp (trainer.py init_model). D:
 * tokens.train_steps × micro_batch_size × batch_accumulation_per_replica × parallelism.dp ×
 * sequence_length (trainer.py: global_batch_size = micro_batch_size × n_micro_batches × dp).
 */

const MODEL = ['model', 'model_config'] as const;

function detect(text: string): number {
  if (!/^model\s*:/m.test(text) || !/model_config\s*:/.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const model = keysAt(yaml, [...MODEL]);
  if (!model.has('hidden_size') || !model.has('num_hidden_layers')) return 0;
  const top = topLevelKeys(yaml);
  const signature = ['tokens', 'parallelism', 'general', 'checkpoints', 'data_stages', 'optimizer'].filter(
    (key) => top.has(key),
  ).length;
  if (signature < 2 && !model.has('is_llama_config') && !model.has('is_qwen2_config')) return 0;
  return Math.min(0.95, 0.6 + 0.05 * signature);
}

function read(text: string): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'nanotron',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('nanotron', yaml);
  b.spec.modelName = b.string(['general', 'run'], { arch: 'modelName' })?.value;
  b.phase = 'architecture';
  const architecture = readArchitecture(b);
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'training';
  readTraining(b);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

function readArchitecture(b: SpecBuilder): ArchitectureSpec | undefined {
  const d = NANOTRON_DEFAULTS;
  const dModel = b.int([...MODEL, 'hidden_size'], { arch: 'dModel' })?.value ?? d.hidden_size;
  const nLayers = b.int([...MODEL, 'num_hidden_layers'], { arch: 'nLayers' })?.value ?? d.num_hidden_layers;
  const heads = b.int([...MODEL, 'num_attention_heads'], { arch: 'nHeads' });
  const nHeads = heads?.value ?? d.num_attention_heads;
  const nKvHeads = b.int([...MODEL, 'num_key_value_heads'], { arch: 'nKvHeads' })?.value ?? nHeads;
  const ffnSize = b.int([...MODEL, 'intermediate_size'], { arch: 'ffnSize' })?.value ?? d.intermediate_size;
  const vocab = b.int([...MODEL, 'vocab_size'], { arch: 'vocabSize' })?.value ?? d.vocab_size;
  const tied =
    b.bool([...MODEL, 'tie_word_embeddings'], { arch: 'tiedEmbeddings' })?.value ?? d.tie_word_embeddings;
  // Qwen2Config only: attention_bias puts biases on q, k, v (models/qwen.py); Llama has none.
  const qwen = b.bool([...MODEL, 'is_qwen2_config'])?.value ?? false;
  const attentionBias = qwen ? (b.bool([...MODEL, 'attention_bias'])?.value ?? false) : false;
  b.bool([...MODEL, 'is_llama_config']);
  // A field neither LlamaConfig nor (with is_qwen2_config) Qwen2Config has: another config class.
  const fields: readonly string[] = qwen ? NANOTRON_CONFIG_FIELDS.qwen2 : NANOTRON_CONFIG_FIELDS.llama;
  const foreign = [...keysAt(b.yaml, [...MODEL])].find((key) => !fields.includes(key));
  if (foreign !== undefined) {
    // Not recorded as used: the key is reported, not read.
    const found = lookup(b.yaml, [...MODEL, foreign]);
    b.spec.paramsMissing = [`a model of the config class with \`${foreign.slice(0, 40)}\``];
    b.diagnose(
      'warning',
      'unknown-config-class',
      `unknown: \`${foreign.slice(0, 40)}\` is not a field of nanotron's ${qwen ? 'Qwen2Config' : 'LlamaConfig'}: this model_config is another model class, which Scaling Lens does not count; N not shown.`,
      found?.source.keyRange,
    );
    return undefined;
  }
  b.oneOf([...MODEL, 'hidden_act'], ['silu']);
  b.number([...MODEL, 'max_position_embeddings'], { arch: 'maxPositions' });
  const headDim = b.headDim(dModel, nHeads, ['hidden_size', 'num_attention_heads'], heads?.source.valueRange);
  if (headDim === undefined) return undefined;
  const divisible = b.int(['model', 'make_vocab_size_divisible_by'])?.value ?? d.make_vocab_size_divisible_by;
  const tp = b.int(['parallelism', 'tp'])?.value ?? 1;
  const { rows: vocabSize, note } = padVocab(vocab, divisible, tp, { tpName: 'tp', sizeName: 'vocab_size' });
  if (note) b.assume(note);
  b.assume(
    `LlamaConfig defaults: huggingface/nanotron src/nanotron/config/models_config.py @ ${NANOTRON_SOURCE.commit.slice(0, 8)}`,
  );
  return llamaArchitecture({
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    vocabSize,
    tiedEmbeddings: tied,
    qkvBias: attentionBias,
  });
}

function readTraining(b: SpecBuilder): void {
  const training = b.spec.training;
  const steps = b.int(['tokens', 'train_steps'], { training: 'steps' });
  const micro = b.int(['tokens', 'micro_batch_size'], { training: 'microBatch' });
  const accum = b.int(['tokens', 'batch_accumulation_per_replica'], { training: 'gradAccum' });
  const seq = b.int(['tokens', 'sequence_length'], { training: 'seqLen' });
  const dp = b.int(['parallelism', 'dp'], { training: 'dataParallel' });
  const missing: string[] = [];
  if (!steps) missing.push('tokens.train_steps');
  if (!micro) missing.push('tokens.micro_batch_size');
  if (!accum) missing.push('tokens.batch_accumulation_per_replica');
  if (!seq) missing.push('tokens.sequence_length');
  // parallelism.dp is required by ParallelismArgs; a settings GPU count does not replace it.
  if (!dp) missing.push('parallelism.dp');
  if (seq) training.seqLen = seq.value;
  if (steps) {
    training.steps = steps.value;
    training.durationUnit = { kind: 'steps', suffix: '' };
  }
  if (missing.length || !steps || !micro || !accum || !seq || !dp) {
    training.missing = missing;
    return;
  }
  const globalBatch = micro.value * accum.value * dp.value;
  training.globalBatchSeqs = globalBatch;
  training.tokensPerStep = globalBatch * seq.value;
  training.durationUnit = { kind: 'steps', suffix: '', tokensPerUnit: training.tokensPerStep };
  training.tokens = steps.value * training.tokensPerStep;
  training.formula = `${formatInt(steps.value)} steps × dp ${dp.value} × micro_batch_size ${micro.value} × batch_accumulation_per_replica ${accum.value} × ${seq.value} tokens`;
}

/** Reader for nanotron YAML configs. */
export const nanotronReader: FrameworkReader<'nanotron'> = neverThrowing({
  id: 'nanotron',
  label: 'nanotron',
  detect: (text) => detect(text),
  read: (text) => read(text),
  inventory: nanotronInventory,
  schedule: nanotronSchedule,
  layout: nanotronLayout,
});
