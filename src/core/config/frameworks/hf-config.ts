import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  MoeSpec,
  ReadContext,
  ReadResult,
  RunSpec,
} from '../../types';
import type { FrameworkReader } from '../reader';
import { LineIndex } from '../text';
import { HF_FAMILIES, type HfFamily } from './hf.models';

/**
 * Hugging Face `config.json` reader. The file describes an architecture only (no training length),
 * so the run spec carries N and leaves D to the user. Parsed with jsonc-parser, which keeps node
 * offsets, so every value maps back to its key.
 */

/** Largest JSON we parse during detection (config.json files are a few KB). */
const MAX_DETECT_CHARS = 2 * 1024 * 1024;

/** Top-level properties of a parsed JSON object, by key. */
interface JsonObjectView {
  root: JsonNode;
  properties: Map<string, JsonNode>;
}

function parseObject(text: string, errors?: ParseError[]): JsonObjectView | undefined {
  let root: JsonNode | undefined;
  try {
    root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  } catch {
    return undefined;
  }
  if (!root || root.type !== 'object') return undefined;
  const properties = new Map<string, JsonNode>();
  for (const property of root.children ?? []) {
    const keyNode = property.children?.[0];
    if (keyNode && typeof keyNode.value === 'string') properties.set(keyNode.value, property);
  }
  return { root, properties };
}

/** How confident we are that `text` is a transformers `config.json`. */
function detect(text: string, path: string | undefined): number {
  if (!text.includes('"model_type"') || text.length > MAX_DETECT_CHARS) return 0;
  const view = parseObject(text);
  if (!view) return 0;
  const modelType = view.properties.get('model_type')?.children?.[1];
  if (modelType?.type !== 'string') return 0;
  const architectures = view.properties.get('architectures')?.children?.[1];
  let score = 0;
  if (architectures?.type === 'array') score = 0.9;
  else if (HF_FAMILIES[String(modelType.value)]) score = 0.7;
  else return 0;
  if (path && /(^|[\\/])config\.json$/i.test(path)) score += 0.05;
  return score;
}

/** Value lookups with sources over one config.json. */
class JsonConfigView {
  readonly usedKeys: FieldSource[] = [];
  readonly diagnostics: CoreDiagnostic[] = [];
  private readonly used = new Set<string>();

  constructor(
    readonly view: JsonObjectView,
    readonly lines: LineIndex,
  ) {}

  source(property: JsonNode): FieldSource {
    const keyNode = property.children![0];
    const valueNode = property.children?.[1] ?? keyNode;
    // The key range excludes the quotes so it covers the key text itself.
    return {
      key: String(keyNode.value),
      keyRange: this.lines.range(keyNode.offset + 1, keyNode.offset + Math.max(1, keyNode.length - 1)),
      valueRange: this.lines.range(valueNode.offset, valueNode.offset + valueNode.length),
      raw: this.lines.text.slice(valueNode.offset, valueNode.offset + valueNode.length),
    };
  }

  /** The first present key of `aliases`, with its JS value. */
  get(aliases: readonly string[]): { key: string; value: unknown; source: FieldSource } | undefined {
    for (const key of aliases) {
      const property = this.view.properties.get(key);
      if (!property) continue;
      const source = this.source(property);
      if (!this.used.has(key)) {
        this.used.add(key);
        this.usedKeys.push(source);
      }
      const valueNode = property.children?.[1];
      return { key, value: valueNode ? jsonValue(valueNode) : undefined, source };
    }
    return undefined;
  }

  invalid(source: FieldSource, expected: string): void {
    this.diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `${source.key} must be ${expected}; got \`${source.raw.slice(0, 60)}\`.`,
      range: source.valueRange,
    });
  }
}

/** Plain value of a JSON node (objects and arrays only shallowly, which is all we need). */
function jsonValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return node.value;
    case 'null':
      return null;
    case 'array':
      return (node.children ?? []).map(jsonValue);
    default:
      return undefined;
  }
}

/** Read a config.json into a run spec (architecture only). */
function read(text: string, context: ReadContext): ReadResult {
  void context;
  const errors: ParseError[] = [];
  const parsed = parseObject(text, errors);
  const lines = new LineIndex(text);
  const syntaxDiagnostics: CoreDiagnostic[] = errors.slice(0, 20).map((error) => ({
    severity: 'error' as const,
    code: 'json-syntax',
    message: `JSON: ${printParseErrorCode(error.error)}`,
    range: lines.range(error.offset, error.offset + error.length),
  }));
  if (!parsed) return { kind: 'unreadable', framework: 'hf-config', diagnostics: syntaxDiagnostics };

  const view = new JsonConfigView(parsed, lines);
  view.diagnostics.push(...syntaxDiagnostics);
  const assumptions: string[] = [];
  const archSources: RunSpec['archSources'] = {};

  const modelTypeFound = view.get(['model_type']);
  const modelType = typeof modelTypeFound?.value === 'string' ? modelTypeFound.value : '';
  let family: HfFamily | undefined = HF_FAMILIES[modelType];
  if (!family && view.view.properties.has('num_hidden_layers') && view.view.properties.has('hidden_size')) {
    family = HF_FAMILIES.llama;
    assumptions.push(
      `model_type '${modelType}' is not in the family table: counted as a LLaMA-style decoder`,
    );
    view.diagnostics.push({
      severity: 'warning',
      code: 'unknown-model-type',
      message: `model_type '${modelType}' is not a known family; parameters assume a LLaMA-style decoder.`,
      range: modelTypeFound?.source.valueRange,
    });
  }
  if (modelTypeFound) archSources.modelName = modelTypeFound.source;

  const architecturesFound = view.get(['architectures']);
  const nameFound = view.get(['_name_or_path']);
  const architectureName = Array.isArray(architecturesFound?.value)
    ? String(architecturesFound!.value[0])
    : undefined;
  const hubName =
    typeof nameFound?.value === 'string' && /^[\w.-]+\/[\w.-]+$/.test(nameFound.value)
      ? nameFound.value
      : undefined;
  const modelName = hubName ?? architectureName ?? (modelType || undefined);

  const spec: RunSpec = {
    framework: 'hf-config',
    modelName,
    training: {
      missing: ['training length (HF config.json has none)'],
    },
    archSources,
    trainingSources: {},
    usedKeys: view.usedKeys,
    assumptions,
    diagnostics: view.diagnostics,
    modelSectionRange: lines.range(parsed.root.offset, parsed.root.offset + parsed.root.length),
  };
  view.diagnostics.push({
    severity: 'info',
    code: 'no-training-length',
    message: 'config.json describes the architecture only; set the training tokens to get FLOPs and loss.',
    range: modelTypeFound?.source.keyRange,
  });

  if (!family) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'unknown-model-type',
      message: `model_type '${modelType}' is not supported; no parameter count.`,
      range: modelTypeFound?.source.valueRange,
    });
    return { kind: 'run-config', spec };
  }
  spec.architecture = buildArchitecture(view, family, archSources, assumptions);
  return { kind: 'run-config', spec };
}

/** Build the architecture of one family from the config's keys and the family's defaults. */
function buildArchitecture(
  view: JsonConfigView,
  family: HfFamily,
  archSources: RunSpec['archSources'],
  assumptions: string[],
): ArchitectureSpec | undefined {
  let valid = true;
  const defaultOf = (aliases: readonly string[]) => {
    for (const key of aliases) if (key in family.defaults) return { key, value: family.defaults[key] };
    return undefined;
  };
  /** A positive integer from the config, else the config class's default (noted). */
  const int = (
    field: ArchField | undefined,
    aliases: readonly string[],
    what: string,
  ): number | undefined => {
    const found = view.get(aliases);
    if (found && found.value !== null) {
      const value = found.value;
      if (typeof value === 'number' && Number.isInteger(value) && value > 0) {
        if (field) archSources[field] = found.source;
        return value;
      }
      view.invalid(found.source, 'a positive integer');
      valid = false;
      return undefined;
    }
    const fallback = defaultOf(aliases);
    if (typeof fallback?.value === 'number') {
      assumptions.push(`${what}: ${fallback.key} absent, config default ${fallback.value}`);
      return fallback.value;
    }
    return undefined;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const found = view.get([key]);
    if (found && typeof found.value === 'boolean') return found.value;
    if (found && found.value !== null) {
      view.invalid(found.source, 'true or false');
      valid = false; // The class default would silently change the count.
    }
    const classDefault = family.defaults[key];
    return typeof classDefault === 'boolean' ? classDefault : fallback;
  };
  const switchOf = (value: boolean | { key: string }): boolean =>
    typeof value === 'boolean' ? value : bool(value.key, false);

  const nLayers = int('nLayers', family.keys.nLayers, 'layers');
  const dModel = int('dModel', family.keys.dModel, 'width');
  const nHeads = int('nHeads', family.keys.nHeads, 'heads');
  const vocabSize = int('vocabSize', ['vocab_size'], 'vocab');
  const maxPositions = int('maxPositions', family.keys.maxPositions, 'positions');
  if (!valid || !nLayers || !dModel || !nHeads || !vocabSize) return undefined;

  const nKvHeads =
    (family.keys.nKvHeads?.length ? int('nKvHeads', family.keys.nKvHeads, 'kv heads') : undefined) ?? nHeads;
  let headDim = family.keys.headDim?.length ? int('headDim', family.keys.headDim, 'head_dim') : undefined;
  if (headDim === undefined) {
    if (dModel % nHeads !== 0) {
      view.diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: `hidden size ${dModel} is not divisible by ${nHeads} heads and head_dim is not set.`,
        range: archSources.dModel?.valueRange,
      });
      return undefined;
    }
    headDim = dModel / nHeads;
  }
  let ffnSize = int('ffnSize', family.keys.ffnSize, 'FFN width');
  if (ffnSize === undefined && family.ffnMultipleOfD) {
    ffnSize = family.ffnMultipleOfD * dModel;
    assumptions.push(`FFN width ${family.ffnMultipleOfD}·d = ${ffnSize} (${family.keys.ffnSize[0]} is null)`);
  }
  if (ffnSize === undefined) return undefined;

  const tiedFound = view.get(['tie_word_embeddings']);
  let tiedEmbeddings = family.tiedDefault;
  if (tiedFound && typeof tiedFound.value === 'boolean') {
    tiedEmbeddings = tiedFound.value;
    archSources.tiedEmbeddings = tiedFound.source;
  } else if (tiedFound && tiedFound.value !== null) {
    view.invalid(tiedFound.source, 'true or false');
    valid = false;
  } else {
    assumptions.push(`tie_word_embeddings absent: ${family.tiedDefault} for this family`);
  }

  let qkNorm: ArchitectureSpec['qkNorm'] = 'none';
  let qkNormBias = false;
  if (typeof family.qkNorm === 'string') qkNorm = family.qkNorm;
  else if (bool(family.qkNorm.key, false)) {
    qkNorm = family.qkNorm.kind;
    qkNormBias = family.qkNorm.bias;
  }

  let gatedMlp = family.gatedMlp;
  let encoderDecoder: ArchitectureSpec['encoderDecoder'];
  if (family.layout === 't5') {
    const projection = view.get(['feed_forward_proj']);
    const projectionName =
      typeof projection?.value === 'string' ? projection.value : String(family.defaults.feed_forward_proj);
    // T5 v1.1 / Flan use "gated-gelu": wi_0 and wi_1 plus wo, three matrices.
    gatedMlp = projectionName.startsWith('gated-');
    const decoderLayers = int(undefined, ['num_decoder_layers'], 'decoder layers') ?? nLayers;
    const buckets = int(undefined, ['relative_attention_num_buckets'], 'relative buckets') ?? 32;
    encoderDecoder = {
      nEncoderLayers: nLayers,
      nDecoderLayers: decoderLayers,
      relativeAttentionBuckets: buckets,
    };
  }

  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp,
    vocabSize,
    tiedEmbeddings,
    learnedPositions: family.learnedPositions ? (maxPositions ?? 0) : 0,
    qkvBias: switchOf(family.qkvBias),
    attnOutBias: switchOf(family.attnOutBias),
    mlpBias: switchOf(family.mlpBias),
    lmHeadBias: family.lmHeadBias ?? false,
    normsPerLayer: family.normsPerLayer,
    normWeight: true,
    normBias: family.norm === 'layernorm',
    finalNorm: true,
    qkNorm,
    qkNormBias,
    ...(encoderDecoder ? { encoderDecoder } : {}),
  };
  if (family.moe) {
    const moe = readMoe(view, family, nLayers, ffnSize, archSources, assumptions);
    if (moe === 'invalid') return undefined;
    if (moe) architecture.moe = moe;
  }
  // Any written but invalid key (diagnosed above) leaves the count unknown rather than defaulted.
  return valid ? architecture : undefined;
}

/** MoE block from Mixtral- or Qwen-MoE-style keys. */
function readMoe(
  view: JsonConfigView,
  family: HfFamily,
  nLayers: number,
  denseFfnSize: number,
  archSources: RunSpec['archSources'],
  assumptions: string[],
): MoeSpec | 'invalid' | undefined {
  let valid = true;
  const number = (key: string): number | undefined => {
    const found = view.get([key]);
    if (found && typeof found.value === 'number' && Number.isInteger(found.value) && found.value >= 0) {
      return found.value;
    }
    if (found && found.value !== null) {
      view.invalid(found.source, 'a non-negative integer');
      valid = false;
      return undefined;
    }
    const fallback = family.defaults[key];
    if (typeof fallback === 'number') {
      if (!found) assumptions.push(`${key} absent: config default ${fallback}`);
      return fallback;
    }
    return undefined;
  };
  const expertsKey = family.moe === 'mixtral' ? 'num_local_experts' : 'num_experts';
  const nExperts = number(expertsKey);
  const expertsPerToken = number('num_experts_per_tok');
  const expertsSource = view.get([expertsKey])?.source;
  if (expertsSource) archSources.nExperts = expertsSource;
  const perTokenSource = view.get(['num_experts_per_tok'])?.source;
  if (perTokenSource) archSources.expertsPerToken = perTokenSource;
  if (!valid) return 'invalid';
  if (!nExperts || !expertsPerToken) return undefined;

  if (family.moe === 'mixtral') {
    return { nExperts, expertsPerToken, expertFfnSize: denseFfnSize };
  }
  // Qwen-MoE: layer i is sparse unless listed in mlp_only_layers, and only every
  // decoder_sparse_step-th layer is sparse (modeling_qwen2_moe / modeling_qwen3_moe).
  const expertFfnSize = number('moe_intermediate_size') ?? denseFfnSize;
  const step = number('decoder_sparse_step') ?? 1;
  const mlpOnlyFound = view.get(['mlp_only_layers']);
  const mlpOnly = mlpOnlyFound?.value;
  if (mlpOnlyFound && mlpOnly !== null && !Array.isArray(mlpOnly)) {
    view.invalid(mlpOnlyFound.source, 'a list of layer indices');
    return 'invalid';
  }
  const denseOnly = new Set(
    Array.isArray(mlpOnly) ? mlpOnly.filter((v): v is number => typeof v === 'number') : [],
  );
  let moeLayers = 0;
  for (let layer = 0; layer < nLayers; layer++) {
    if (!denseOnly.has(layer) && step > 0 && (layer + 1) % step === 0) moeLayers++;
  }
  const sharedFfn =
    'shared_expert_intermediate_size' in family.defaults ? number('shared_expert_intermediate_size') : 0;
  if (!valid) return 'invalid';
  return {
    nExperts,
    expertsPerToken,
    expertFfnSize,
    sharedExpertFfnSize: sharedFfn ?? 0,
    sharedExpertGate: Boolean(sharedFfn),
    moeLayers,
  } satisfies MoeSpec;
}

/** The Hugging Face `config.json` reader. */
export const hfConfigReader: FrameworkReader = {
  id: 'hf-config',
  detect,
  read,
};
