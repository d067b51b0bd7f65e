import { isMap, isSeq, type Node } from 'yaml';
import type { ArchitectureSpec, FieldSource, ReadContext, ReadResult } from '../../types';
import type { FrameworkReader } from '../reader';
import { keysAt, lookup, nodeValue, parseYaml, topLevelKeys, type YamlSource } from '../yamlSource';
import { parseNumberLiteral } from '../values';
import { SpecBuilder, formatInt, nodeTag, resolveSiblingPath, type Sourced } from '../specBuilder';
import {
  LEVANTER_DEFAULT_TOKENIZER,
  LEVANTER_MODEL_DEFAULTS,
  LEVANTER_TOKENIZER_SIZES,
  LEVANTER_TRAINER_DEFAULTS,
  type LevanterModelDefaults,
} from './levanter.tables';

/**
 * Levanter (draccus) training YAML: `data:` (possibly `!include data/x.yaml`), `model:` selected by
 * `type:`, `trainer:`, `optimizer:`.
 *
 * N: model fields over the dataclass defaults of the type (tables in ./levanter.tables.ts); vocab
 * is len(tokenizer) of `data.tokenizer` (no padding).
 * D: sum over steps of the train batch (an int or a `{start, value}` schedule) ×
 * `model.seq_len`, for `trainer.num_train_steps` steps (default 400,000).
 */

const TRAINER_SIGNATURE = [
  'num_train_steps',
  'train_batch_size',
  'mp',
  'tensor_parallel_axes',
  'fsdp_axis',
  'batch_axis',
  'tracker',
  'model_axis_size',
  'per_device_parallelism',
  'steps_per_eval',
  'checkpointer',
];

function detect(text: string): number {
  if (!/^model\s*:/m.test(text) || !/^trainer\s*:/m.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const top = topLevelKeys(yaml);
  if (!top.has('model') || !top.has('trainer')) return 0;
  const model = keysAt(yaml, ['model']);
  const trainer = keysAt(yaml, ['trainer']);
  const signature = TRAINER_SIGNATURE.filter((key) => trainer.has(key)).length;
  if (!model.has('type') && signature < 2) return 0;
  return Math.min(0.95, (model.has('type') ? 0.7 : 0.5) + 0.04 * signature + (top.has('data') ? 0.05 : 0));
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'levanter',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('levanter', yaml);
  const typeKey = b.string(['model', 'type'], { arch: 'modelName' });
  // A `type:` that is written but unusable must not become the gpt2 default.
  const typeUnusable = !typeKey && b.has(['model', 'type']) && b.find(['model', 'type'])?.value != null;
  const typeName = typeKey?.value ?? 'gpt2';
  if (!typeKey && !typeUnusable) b.assume("model.type absent: Levanter's default gpt2");
  const defaults = typeUnusable ? undefined : LEVANTER_MODEL_DEFAULTS[typeName];
  b.spec.modelName = typeName;
  let seqLen: number | undefined;
  if (typeUnusable) {
    seqLen = b.int(['model', 'seq_len'], { training: 'seqLen' })?.value;
  } else if (!defaults) {
    b.diagnose(
      'warning',
      'unknown-model',
      `Levanter model type \`${typeName}\` is not one Scaling Lens knows (${Object.keys(LEVANTER_MODEL_DEFAULTS).join(', ')}).`,
      typeKey?.source.valueRange,
    );
    seqLen = b.int(['model', 'seq_len'], { training: 'seqLen' })?.value;
  } else {
    const seq = b.int(['model', 'seq_len'], { arch: 'maxPositions', training: 'seqLen' });
    seqLen = seq?.value ?? defaults.seq_len;
    if (!seq) b.assume(`model.seq_len absent: ${defaults.source} default ${defaults.seq_len}`);
    const vocab = readVocab(b, context);
    if (vocab !== undefined) {
      b.phase = 'architecture';
      const architecture = readArchitecture(b, defaults, seqLen, vocab);
      if (architecture) b.spec.architecture = architecture;
    }
  }
  b.phase = 'training';
  readTraining(b, seqLen);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish() };
}

/** The tokenizer name from `data.tokenizer`, following `data: !include file.yaml`. */
function readTokenizer(b: SpecBuilder, context: ReadContext): Sourced<string> | undefined {
  const data = b.find(['data']);
  if (data && nodeTag(data.node) === '!include' && typeof data.value === 'string') {
    const includePath = resolveSiblingPath(context.path, data.value.trim());
    const included = context.readFile?.(includePath);
    const includedYaml = included !== undefined ? parseYaml(included) : undefined;
    if (!includedYaml) {
      b.diagnose(
        'warning',
        'include-unreadable',
        `Cannot read the included data config \`${data.value}\`; the tokenizer (and so the vocab) is unknown.`,
        data.source.valueRange,
      );
      return undefined;
    }
    const found = lookup(includedYaml, ['tokenizer']);
    if (!found || typeof found.value !== 'string') return undefined;
    const source: FieldSource = { ...found.source, file: includePath };
    b.record(source, { arch: 'vocabSize' });
    b.assume(`data config from !include ${data.value}`);
    return { value: found.value, source };
  }
  if (data && data.value !== null && typeof data.value !== 'object') {
    // `data: some/path.yaml` without !include: the tokenizer is elsewhere, not Levanter's default.
    b.diagnose(
      'warning',
      'include-unreadable',
      `\`data\` is \`${data.source.raw.slice(0, 60)}\`, not a mapping or an !include; the tokenizer (and so the vocab) is unknown.`,
      data.source.valueRange,
    );
    return undefined;
  }
  return b.string(['data', 'tokenizer'], { arch: 'vocabSize' });
}

function readVocab(b: SpecBuilder, context: ReadContext): number | undefined {
  const explicit = b.int(['model', 'vocab_size'], { arch: 'vocabSize' });
  if (explicit) return explicit.value;
  const tokenizer = readTokenizer(b, context);
  const unreadableInclude = b.spec.diagnostics.some((d) => d.code === 'include-unreadable');
  if (!tokenizer && unreadableInclude) return undefined;
  const name = tokenizer?.value ?? LEVANTER_DEFAULT_TOKENIZER;
  if (!tokenizer)
    b.assume(`data.tokenizer absent: Levanter's default tokenizer ${LEVANTER_DEFAULT_TOKENIZER}`);
  const row = LEVANTER_TOKENIZER_SIZES.find((entry) => entry.pattern.test(name.trim()));
  if (!row) {
    b.diagnose(
      'warning',
      'unknown-tokenizer',
      `The size of tokenizer \`${name}\` is not in Scaling Lens's table; the vocab (and so N) is unknown.`,
      tokenizer?.source.valueRange,
    );
    return undefined;
  }
  b.assume(`vocab = len(${name}) = ${row.tokens} (${row.source})`);
  return row.tokens;
}

function readArchitecture(
  b: SpecBuilder,
  defaults: LevanterModelDefaults,
  seqLen: number,
  vocabSize: number,
): ArchitectureSpec | undefined {
  const pick = (
    key: keyof LevanterModelDefaults & string,
    arch?: 'nLayers' | 'dModel' | 'nHeads' | 'nKvHeads' | 'ffnSize',
  ) => {
    const found = b.int(['model', key], arch ? { arch } : {});
    return found?.value ?? (defaults[key] as number);
  };
  const dModel = pick('hidden_dim', 'dModel');
  const nLayers = pick('num_layers', 'nLayers');
  const nHeads = pick('num_heads', 'nHeads');
  const nKvHeads = defaults.family === 'gpt2' ? nHeads : pick('num_kv_heads', 'nKvHeads');
  const headDim = b.int(['model', 'head_dim'])?.value ?? dModel / nHeads;
  if (!Number.isInteger(headDim)) {
    b.diagnose(
      'error',
      'invalid-value',
      `hidden_dim ${dModel} is not divisible by num_heads ${nHeads}.`,
      b.spec.archSources.nHeads?.valueRange,
    );
    return undefined;
  }
  const useBias = b.bool(['model', 'use_bias'])?.value ?? defaults.use_bias;
  const tied =
    defaults.family === 'gpt2'
      ? true
      : (b.bool(['model', 'tie_word_embeddings'], { arch: 'tiedEmbeddings' })?.value ??
        defaults.tie_word_embeddings);
  const explicitKeys = ['hidden_dim', 'num_layers', 'num_heads', 'intermediate_dim', 'seq_len'].filter(
    (key) => keysAt(b.yaml, ['model']).has(key),
  );
  if (explicitKeys.length < 3) b.assume(`dimensions not in the file take ${defaults.source} defaults`);

  if (defaults.family === 'gpt2') {
    const mlpScale = b.number(['model', 'mlp_scale'], { arch: 'ffnSize' })?.value ?? defaults.mlp_scale;
    return {
      nLayers,
      dModel,
      nHeads,
      nKvHeads,
      headDim,
      ffnSize: Math.floor(mlpScale * dModel),
      gatedMlp: false,
      vocabSize,
      tiedEmbeddings: true,
      learnedPositions: seqLen,
      qkvBias: useBias,
      attnOutBias: useBias,
      mlpBias: useBias,
      normsPerLayer: 2,
      normWeight: true,
      normBias: useBias,
      finalNorm: true,
      qkNorm: 'none',
    };
  }
  const ffnSize = pick('intermediate_dim', 'ffnSize');
  const normWeight = b.bool(['model', 'use_layer_norm_weight'])?.value ?? true;
  if (!normWeight) b.assume('use_layer_norm_weight: false → norms have no parameters');
  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: true,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: 0,
    qkvBias: useBias,
    attnOutBias: useBias,
    mlpBias: useBias,
    normsPerLayer: 2,
    normWeight,
    normBias: useBias,
    finalNorm: true,
    qkNorm: defaults.qkNorm ? 'full' : 'none',
  };
  if (defaults.num_local_experts) {
    const nExperts =
      b.int(['model', 'num_local_experts'], { arch: 'nExperts' })?.value ?? defaults.num_local_experts;
    const topK =
      b.int(['model', 'num_experts_per_tok'], { arch: 'expertsPerToken' })?.value ??
      defaults.num_experts_per_tok ??
      2;
    architecture.moe = { nExperts, expertsPerToken: topK, expertFfnSize: ffnSize, routerBias: useBias };
  }
  return architecture;
}

/** One segment of a train_batch_size schedule. */
interface BatchSegment {
  start: number;
  value: number;
}

/** Parse `train_batch_size` as a list of {start, value}; undefined with a diagnostic when malformed. */
function parseSchedule(
  b: SpecBuilder,
  node: Node | undefined,
  source: FieldSource,
): BatchSegment[] | undefined {
  if (!isSeq(node)) return undefined;
  const segments: BatchSegment[] = [];
  for (const item of node.items) {
    const value = isMap(item) ? (nodeValue(b.yaml, item) as Record<string, unknown>) : undefined;
    const start = parseNumberLiteral(value?.start);
    const batch = parseNumberLiteral(value?.value);
    if (start === undefined || batch === undefined || start < 0 || !(batch > 0)) {
      b.diagnose(
        'warning',
        'invalid-value',
        'train_batch_size schedule entries need integer `start` and `value`.',
        source.valueRange,
      );
      return undefined;
    }
    segments.push({ start, value: batch });
  }
  return segments.sort((x, y) => x.start - y.start);
}

function readTraining(b: SpecBuilder, seqLen: number | undefined): void {
  const training = b.spec.training;
  const stepsKey = b.int(['trainer', 'num_train_steps'], { training: 'steps' });
  if (stepsKey) b.record(stepsKey.source, { training: 'duration' });
  const steps = stepsKey?.value ?? LEVANTER_TRAINER_DEFAULTS.num_train_steps;
  if (!stepsKey) b.assume(`trainer.num_train_steps absent: Levanter default ${formatInt(steps)}`);
  training.steps = steps;
  if (seqLen) training.seqLen = seqLen;

  const batchKey = b.find(['trainer', 'train_batch_size'], { training: 'globalBatch' });
  let sequences: number | undefined;
  let batchFormula = '';
  if (batchKey && isSeq(batchKey.node)) {
    const schedule = parseSchedule(b, batchKey.node, batchKey.source);
    if (schedule) {
      sequences = 0;
      const parts: string[] = [];
      schedule.forEach((segment, index) => {
        const end = Math.min(schedule[index + 1]?.start ?? steps, steps);
        const segmentSteps = Math.max(0, end - Math.min(segment.start, steps));
        sequences! += segmentSteps * segment.value;
        if (segmentSteps > 0) parts.push(`${formatInt(segmentSteps)}×${segment.value}`);
      });
      batchFormula = `batch schedule (${parts.join(' + ')} = ${formatInt(sequences)} seqs)`;
      training.globalBatchSeqs = schedule[schedule.length - 1]?.value;
    }
  } else {
    const batch = batchKey ? b.int(['trainer', 'train_batch_size']) : undefined;
    const value = batch?.value ?? LEVANTER_TRAINER_DEFAULTS.train_batch_size;
    if (!batchKey) b.assume(`trainer.train_batch_size absent: Levanter default ${value}`);
    // An invalid value was diagnosed by the builder and poisons D in SpecBuilder.finish().
    training.globalBatchSeqs = value;
    if (seqLen) training.tokensPerStep = value * seqLen;
    sequences = steps * value;
    batchFormula = `${formatInt(steps)} steps × ${value} seqs`;
  }
  training.durationUnit = {
    kind: 'steps',
    suffix: '',
    ...(training.tokensPerStep ? { tokensPerUnit: training.tokensPerStep } : {}),
  };
  if (sequences !== undefined && seqLen) {
    training.tokens = sequences * seqLen;
    training.formula = `${batchFormula} × ${seqLen} tokens`;
  } else {
    training.missing = [seqLen ? 'batch size' : 'sequence length (model.seq_len)'];
  }
}

/** Reader for Levanter training YAML. */
export const levanterReader: FrameworkReader = {
  id: 'levanter',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
};
