import { printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { parseJsonTreeCached } from '../../parseCache';
import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  MlaSpec,
  MoeSpec,
  ReadContext,
  ReadResult,
  RunSpec,
} from '../../../types';
import { applyInventory, type WrittenKey } from '../../inventory';
import type { FrameworkReader } from '../../reader';
import { LineIndex } from '../../text';
import {
  neverThrowing,
  headWidth,
  padVocab,
  asTypedIntAtLeast,
  asTypedBool,
  invalidValue,
  quoted,
  EXPECTED,
} from '../../readerPolicy';
import { HF_FAMILIES, type HfFamily, type HfSwitch } from './models';
import { HF_CONFIG_INVENTORY, hfInventoryKey } from './inventory';
import { buildHybridArchitecture } from './hybrid';

/**
 * Hugging Face `config.json` reader. The file describes an architecture only (no training length),
 * so the run spec carries N and leaves D to the user. Parsed with jsonc-parser, which keeps node
 * offsets, so every value maps back to its key. Each `model_type` is a family of models.ts; a
 * type not listed there gets no count, with a diagnostic naming it.
 */

/** Largest JSON we parse during detection (config.json files are a few KB). */
const MAX_DETECT_CHARS = 2 * 1024 * 1024;

/** Most nested keys reported as written (a hostile file is cut, not walked). */
const MAX_WRITTEN = 20_000;

/**
 * Head classes whose parameters are the LM head the count assumes (or none beyond a tied one);
 * `...ForSequenceClassification`, `...ForTokenClassification` or a bare `...Model` replace or drop
 * the vocab × d head.
 */
const LM_HEAD_CLASS = /(ForCausalLM|LMHeadModel|ForConditionalGeneration|WithLMHeadModel)$/;

/** Top-level properties of a parsed JSON object, by key. */
interface JsonObjectView {
  root: JsonNode;
  properties: Map<string, JsonNode>;
}

function objectProperties(node: JsonNode): Map<string, JsonNode> {
  const properties = new Map<string, JsonNode>();
  for (const property of node.children ?? []) {
    const keyNode = property.children?.[0];
    if (keyNode && typeof keyNode.value === 'string') properties.set(keyNode.value, property);
  }
  return properties;
}

function parseObject(text: string, errors?: ParseError[]): JsonObjectView | undefined {
  let root: JsonNode | undefined;
  try {
    root = parseJsonTreeCached(text, errors);
  } catch {
    return undefined;
  }
  if (!root || root.type !== 'object') return undefined;
  return { root, properties: objectProperties(root) };
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

/** A value found in the config, with its source. */
interface Found {
  key: string;
  value: unknown;
  source: FieldSource;
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

  source(property: JsonNode, prefix = ''): FieldSource {
    const keyNode = property.children![0];
    const valueNode = property.children?.[1] ?? keyNode;
    // The key range excludes the quotes so it covers the key text itself.
    return {
      key: prefix + String(keyNode.value),
      keyRange: this.lines.range(keyNode.offset + 1, keyNode.offset + Math.max(1, keyNode.length - 1)),
      valueRange: this.lines.range(valueNode.offset, valueNode.offset + valueNode.length),
      raw: this.lines.text.slice(valueNode.offset, valueNode.offset + valueNode.length),
    };
  }

  private found(property: JsonNode, key: string, prefix = ''): Found {
    const source = this.source(property, prefix);
    if (!this.used.has(prefix + key)) {
      this.used.add(prefix + key);
      this.usedKeys.push(source);
    }
    const valueNode = property.children?.[1];
    return { key: prefix + key, value: valueNode ? jsonValue(valueNode) : undefined, source };
  }

  /** The first present top-level key of `aliases`, with its JS value. */
  get(aliases: readonly string[]): Found | undefined {
    for (const key of aliases) {
      // A dotted key names a key of a nested config object (DBRX `ffn_config.ffn_hidden_size`).
      const dot = key.indexOf('.');
      if (dot > 0) {
        const nested = this.nested(key.slice(0, dot), key.slice(dot + 1));
        if (nested) return nested;
        continue;
      }
      const property = this.view.properties.get(key);
      if (property) return this.found(property, key);
    }
    return undefined;
  }

  /** A key inside a nested object (`attn_config.alibi`). */
  nested(parent: string, key: string): Found | undefined {
    const object = this.view.properties.get(parent)?.children?.[1];
    if (object?.type !== 'object') return undefined;
    const property = objectProperties(object).get(key);
    return property ? this.found(property, key, `${parent}.`) : undefined;
  }

  /** A written value transformers would refuse, in the shared wording (readerPolicy.ts). */
  invalid(source: FieldSource, expected: string): void {
    this.diagnostics.push(invalidValue(source.key, expected, quoted(source.raw), source.valueRange));
  }

  /** Every key the file writes, nested objects as dotted paths (two levels), prefixed by family. */
  written(family: string): WrittenKey[] {
    const out: WrittenKey[] = [];
    const walk = (properties: Map<string, JsonNode>, prefix: string, depth: number) => {
      for (const [key, property] of properties) {
        if (out.length >= MAX_WRITTEN) return;
        const valueNode = property.children?.[1];
        const collection = valueNode?.type === 'object' || valueNode?.type === 'array';
        out.push({
          key: hfInventoryKey(family, prefix + key),
          value: collection ? '<collection>' : valueNode ? jsonValue(valueNode) : undefined,
          source: this.source(property, prefix),
        });
        if (valueNode?.type === 'object' && depth < 2)
          walk(objectProperties(valueNode), `${prefix}${key}.`, depth + 1);
      }
    };
    walk(this.view.properties, '', 0);
    return out;
  }
}

/** Plain value of a JSON node (arrays a few levels deep, objects not), bounded for hostile files. */
function jsonValue(node: JsonNode, depth = 0): unknown {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return node.value;
    case 'null':
      return null;
    case 'array':
      return depth < 4 ? (node.children ?? []).map((child) => jsonValue(child, depth + 1)) : undefined;
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
  const family: HfFamily | undefined = HF_FAMILIES[modelType];
  if (modelTypeFound) archSources.modelName = modelTypeFound.source;

  const architecturesFound = view.get(['architectures']);
  const nameFound = view.get(['_name_or_path']);
  const firstArchitecture = Array.isArray(architecturesFound?.value)
    ? architecturesFound.value[0]
    : undefined;
  const architectureName = typeof firstArchitecture === 'string' ? firstArchitecture : undefined;
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
    const shown = modelType
      ? `model_type '${modelType.slice(0, 60)}'`
      : 'a config without a model_type string';
    view.diagnostics.push({
      severity: 'warning',
      code: 'unknown-model-type',
      message: `unknown: ${shown} is not a family Scaling Lens models; N not shown.`,
      range: modelTypeFound?.source.valueRange,
    });
    spec.paramsMissing = [`a model of ${shown}`];
    return { kind: 'run-config', spec };
  }

  const missing: string[] = [];
  spec.architecture =
    family.special === 'mamba2' || family.special === 'nemotron_h'
      ? buildHybridArchitecture(family.special, view, family, archSources, assumptions, missing)
      : buildArchitecture(view, family, archSources, assumptions, missing);
  if (architectureName !== undefined && !LM_HEAD_CLASS.test(architectureName)) {
    // A classification head or a bare backbone has a different head than the LM count assumes.
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: architectures = ${architectureName.slice(0, 60)} — Scaling Lens counts language-model heads (…ForCausalLM, …LMHeadModel), which changes the parameter count; N not shown.`,
      range: architecturesFound?.source.keyRange,
    });
    missing.push(`a model of the head class ${architectureName.slice(0, 60)}`);
    delete spec.architecture;
  }
  if (architectureName !== undefined && LM_HEAD_CLASS.test(architectureName)) {
    // An LM head class that is not this family's model (TensorRT-LLM's OranginaForCausalLM written
    // with model_type "mixtral" has gpt-oss sinks and biases; LlamaForCausalLMEagle3 is a draft
    // head): the framework that reads `architectures` builds another model than the model_type's.
    const stem = architectureName
      .replace(LM_HEAD_CLASS, '')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
    const stems = [family.id, ...(family.classStems ?? [])].map((id) =>
      id.toLowerCase().replace(/[^a-z0-9]/g, ''),
    );
    if (spec.architecture && !stems.includes(stem)) {
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: architectures = ${architectureName.slice(0, 60)} is not the ${family.id} model class — a custom or other model's head class, whose parameters Scaling Lens does not know; N not shown.`,
        range: architecturesFound?.source.keyRange,
      });
      missing.push(`a model of the head class ${architectureName.slice(0, 60)}`);
      delete spec.architecture;
    }
  }
  if (!spec.architecture && missing.length === 0) missing.push('usable values for the keys diagnosed above');
  if (!spec.architecture) spec.paramsMissing = missing;
  return { kind: 'run-config', spec, written: view.written(family.id) };
}

/** Build the architecture of one family from the config's keys and the family's defaults. */
function buildArchitecture(
  view: JsonConfigView,
  family: HfFamily,
  archSources: RunSpec['archSources'],
  assumptions: string[],
  missing: string[],
): ArchitectureSpec | undefined {
  let valid = true;
  // attribute_map aliases (GPT-2 `hidden_size` → `n_embd`): read after the canonical spellings; a
  // different value under both spellings depends on the order transformers sets them, so unknown.
  const attributeMap = Object.entries(family.attributeMap ?? {});
  for (const [alias, canonical] of attributeMap) {
    const aliasFound = view.get([alias]);
    const canonicalFound = view.get([canonical]);
    if (
      aliasFound &&
      canonicalFound &&
      JSON.stringify(aliasFound.value) !== JSON.stringify(canonicalFound.value)
    ) {
      view.invalid(
        aliasFound.source,
        `the same value as \`${canonical}\` (${family.id} maps ${alias} onto it)`,
      );
      valid = false;
    }
  }
  const withAttributeAliases = (aliases: readonly string[]): readonly string[] => [
    ...aliases,
    ...attributeMap
      .filter(([alias, canonical]) => aliases.includes(canonical) && !aliases.includes(alias))
      .map(([alias]) => alias),
  ];
  const defaultOf = (aliases: readonly string[]) => {
    for (const key of aliases) if (key in family.defaults) return { key, value: family.defaults[key] };
    return undefined;
  };
  /**
   * An integer ≥ min from the config, else the config class's default (noted). `nullable` keys
   * (n_inner, head_dim) mean "derive it" when null or absent; a required key without a default
   * makes the count unknown.
   */
  const int = (
    field: ArchField | undefined,
    aliases: readonly string[],
    what: string,
    options: { min?: number; nullable?: boolean } = {},
  ): number | undefined => {
    if (aliases.length === 0) return undefined;
    const min = options.min ?? 1;
    const found = view.get(withAttributeAliases(aliases));
    // transformers passes a written null to the config class as None, not as its default.
    if (found && (found.value !== null || !options.nullable)) {
      // JSON keeps its types: a quoted "32" is a string, which the config class refuses.
      const value = asTypedIntAtLeast(found.value, min);
      if (value !== undefined) {
        if (field) archSources[field] = found.source;
        return value;
      }
      view.invalid(found.source, EXPECTED.intAtLeast(min));
      valid = false;
      return undefined;
    }
    const fallback = defaultOf(aliases);
    const defaultValue = fallback ? asTypedIntAtLeast(fallback.value, min) : undefined;
    if (fallback && defaultValue !== undefined) {
      assumptions.push(
        `${what}: ${fallback.key} ${found ? 'null' : 'absent'}, config default ${defaultValue}`,
      );
      return defaultValue;
    }
    if (!options.nullable && !(fallback && fallback.value === null)) {
      missing.push(`\`${aliases[0]}\` (${what}; no config-class default known)`);
      view.diagnostics.push({
        severity: 'warning',
        code: 'missing-key',
        message: `unknown: \`${aliases[0]}\` (${what}) is not written and Scaling Lens has no ${family.id} default for it; N not shown.`,
        range: found?.source.valueRange,
      });
      valid = false;
    }
    return undefined;
  };
  /** A boolean key, else the family default, else `fallback`. */
  const bool = (key: string, fallback: boolean): boolean => {
    const found = view.get([key]);
    const value = found ? asTypedBool(found.value) : undefined;
    if (value !== undefined) return value;
    if (found && found.value !== null) {
      view.invalid(found.source, EXPECTED.bool);
      valid = false; // The class default would silently change the count.
    }
    const classDefault = family.defaults[key];
    return typeof classDefault === 'boolean' ? classDefault : fallback;
  };
  const switchOf = (value: HfSwitch): boolean => {
    if (typeof value === 'boolean') return value;
    const on = bool(value.key, false);
    return value.invert ? !on : on;
  };

  for (const key of family.requiredKeys ?? []) {
    if (view.get([key])) continue;
    missing.push(`\`${key}\` (the ${family.id} config class keeps an absent value as None)`);
    view.diagnostics.push({
      severity: 'warning',
      code: 'missing-key',
      message: `unknown: \`${key}\` is not written; the ${family.id} config class stores None and its modeling code cannot build the layer from it; N not shown.`,
    });
    valid = false;
  }
  const nLayers = int('nLayers', family.keys.nLayers, 'layers');
  const dModel = int('dModel', family.keys.dModel, 'width');
  const nHeads = int('nHeads', family.keys.nHeads, 'heads');
  let vocabSize = int('vocabSize', ['vocab_size'], 'vocab');
  const maxPositions = int('maxPositions', family.keys.maxPositions, 'positions', {
    nullable: !family.learnedPositions,
  });
  if (!valid || !nLayers || !dModel || !nHeads || !vocabSize) return undefined;

  /**
   * kv heads and head_dim: absent → the config class default (or derived where that default is
   * None); a written null → derived only where the class replaces None (`family.nullDerives`).
   * Elsewhere the class keeps None (or refuses it) and the modeling code cannot build the layer,
   * so the count is unknown rather than the class default (Qwen3: absent num_key_value_heads is
   * 32, null is num_attention_heads).
   */
  const shapeInt = (field: ArchField, aliases: readonly string[], what: string): number | undefined => {
    if (aliases.length === 0) return undefined;
    const found = view.get(withAttributeAliases(aliases));
    if (found && found.value === null) {
      if ((family.nullDerives ?? []).includes(found.key)) {
        assumptions.push(`${what}: ${found.key} null, derived as the ${family.id} config class does`);
        return undefined;
      }
      view.invalid(
        found.source,
        `${EXPECTED.intAtLeast(1)} (the ${family.id} config class does not derive a null)`,
      );
      valid = false;
      return undefined;
    }
    return int(field, aliases, what, { nullable: true });
  };
  let nKvHeads = shapeInt('nKvHeads', family.keys.nKvHeads ?? [], 'kv heads') ?? nHeads;
  let headDim = shapeInt('headDim', family.keys.headDim ?? [], 'head_dim');
  if (headDim === undefined && !family.mla) {
    const width = headWidth(dModel, nHeads, ['hidden size', 'heads'], ' and head_dim is not set');
    if ('message' in width) {
      view.diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: width.message,
        range: archSources.dModel?.valueRange,
      });
      return undefined;
    }
    headDim = width.headDim;
  }
  for (const key of family.headDimWitnesses ?? []) {
    const witness = view.get([key]);
    if (witness && witness.value !== null && witness.value !== headDim) {
      view.diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: ${key} = ${witness.source.raw.slice(0, 20)} differs from the head_dim ${headDim} that ${family.id} builds (${key} is not a config field) — the checkpoint has other attention shapes; N not shown.`,
        range: witness.source.keyRange,
      });
      missing.push(`a model of \`${family.id}.${key}\` ≠ head_dim`);
      valid = false;
    }
  }
  if (family.outProjVersionDependent && headDim !== undefined && nHeads * headDim !== dModel) {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: heads × head_dim = ${nHeads * headDim} differs from hidden_size ${dModel}; ${family.id}'s o_proj has been hidden → hidden in some transformers versions and heads·head_dim → hidden in others; N not shown.`,
      range: archSources.headDim?.keyRange,
    });
    missing.push(`a model of \`${family.id}\` with heads × head_dim ≠ hidden_size`);
    valid = false;
  }
  let ffnSize = int('ffnSize', family.keys.ffnSize, 'FFN width', {
    nullable: Boolean(family.ffnMultipleOfD),
  });
  if (ffnSize === undefined && family.ffnMultipleOfD) {
    ffnSize = family.ffnMultipleOfD * dModel;
    const key = family.keys.ffnSize[0];
    assumptions.push(`FFN width ${family.ffnMultipleOfD}·d = ${ffnSize}${key ? ` (${key} is null)` : ''}`);
  }

  const tiedFound = view.get(['tie_word_embeddings']);
  let tiedEmbeddings = family.tiedDefault;
  const tiedValue = tiedFound ? asTypedBool(tiedFound.value) : undefined;
  if (tiedFound && tiedValue !== undefined) {
    tiedEmbeddings = tiedValue;
    archSources.tiedEmbeddings = tiedFound.source;
  } else if (tiedFound) {
    // A written null is not the class default: older PretrainedConfig stores None (falsy, so the
    // head is untied) and the strict dataclass configs refuse it; either way not what the table says.
    view.invalid(tiedFound.source, EXPECTED.bool);
    valid = false;
  } else {
    assumptions.push(`tie_word_embeddings absent: ${family.tiedDefault} for ${family.id}`);
  }

  let qkNorm: ArchitectureSpec['qkNorm'] = 'none';
  let qkNormBias = false;
  if (typeof family.qkNorm === 'string') qkNorm = family.qkNorm;
  else if (bool(family.qkNorm.key, false)) {
    qkNorm = family.qkNorm.kind;
    qkNormBias = family.qkNorm.bias;
  }

  let normsPerLayer =
    typeof family.normsPerLayer === 'number'
      ? family.normsPerLayer
      : bool(family.normsPerLayer.key, false)
        ? family.normsPerLayer.whenTrue
        : family.normsPerLayer.whenFalse;
  let normWeight = family.norm !== 'none';
  let normBias = family.norm === 'layernorm';
  let finalNorm = true;
  let learnedPositions = family.learnedPositions ? (maxPositions ?? 0) + family.learnedPositions.offset : 0;

  let gatedMlp = family.gatedMlp;
  let encoderDecoder: ArchitectureSpec['encoderDecoder'];
  if (family.layout === 't5') {
    const projection = view.get(['feed_forward_proj']);
    const projectionName =
      typeof projection?.value === 'string' ? projection.value : String(family.defaults.feed_forward_proj);
    // T5 v1.1 / Flan use "gated-gelu": wi_0 and wi_1 plus wo, three matrices.
    gatedMlp = projectionName.startsWith('gated-');
    const decoderLayers =
      int(undefined, ['num_decoder_layers'], 'decoder layers', { nullable: true }) ?? nLayers;
    const buckets = int(undefined, ['relative_attention_num_buckets'], 'relative buckets') ?? 32;
    encoderDecoder = {
      nEncoderLayers: nLayers,
      nDecoderLayers: decoderLayers,
      relativeAttentionBuckets: buckets,
    };
  }

  switch (family.special) {
    case 'falcon': {
      // FalconAttention: new_decoder_architecture → (n_heads + 2·num_kv_heads)·head_dim fused qkv;
      // else multi_query → one k/v head; else 3·hidden. FalconDecoderLayer: two norms unless the
      // block is parallel with one shared norm (num_ln_in_parallel_attn defaults to 2 for the new
      // architecture).
      const newArch = bool('new_decoder_architecture', false);
      const multiQuery = bool('multi_query', true);
      const parallel = bool('parallel_attn', true);
      const kv = int('nKvHeads', ['num_kv_heads', 'n_head_kv'], 'kv heads', { nullable: true });
      nKvHeads = newArch ? (kv ?? nHeads) : multiQuery ? 1 : nHeads;
      const lnCount = int(undefined, ['num_ln_in_parallel_attn'], 'norms per parallel block', {
        nullable: true,
      });
      if (lnCount !== undefined && lnCount !== 1 && lnCount !== 2) {
        view.invalid(view.get(['num_ln_in_parallel_attn'])!.source, '1 or 2');
        valid = false;
      }
      normsPerLayer = !parallel ? 2 : (lnCount ?? (newArch ? 2 : 1)) === 2 ? 2 : 1;
      break;
    }
    case 'bigcode':
      // GPTBigCodeAttention: c_attn = d → d + 2·kv_dim, kv_dim = head_dim when multi_query.
      nKvHeads = bool('multi_query', true) ? 1 : nHeads;
      break;
    case 'opt': {
      // OPTDecoder: final_layer_norm only with do_layer_norm_before and not _remove_final_layer_norm.
      finalNorm = bool('do_layer_norm_before', true) && !bool('_remove_final_layer_norm', false);
      if (!bool('layer_norm_elementwise_affine', true)) {
        normWeight = false;
        normBias = false;
      }
      const projection = view.get(['word_embed_proj_dim']);
      if (projection && projection.value !== null && projection.value !== dModel) {
        // project_in / project_out and a narrower embedding: not expressible as one width.
        view.diagnostics.push({
          severity: 'warning',
          code: 'not-modelled-key',
          message: `unknown: word_embed_proj_dim = ${projection.source.raw.slice(0, 20)} — Scaling Lens does not model OPT's embedding projection (project_in/project_out), which changes the parameter count; N not shown.`,
          range: projection.source.keyRange,
        });
        missing.push('a model of `opt.word_embed_proj_dim` ≠ hidden_size');
        valid = false;
      }
      break;
    }
    case 'mpt':
      // MptMLP: up_proj d → 4d whatever expansion_ratio (the inventory rejects other ratios).
      ffnSize = 4 * dModel;
      break;
    case 'phi-msft': {
      // MixFormer pads the embedding and head rows to pad_vocab_size_multiple.
      const multiple = int(undefined, ['pad_vocab_size_multiple'], 'vocab padding') ?? 1;
      const padded = padVocab(vocabSize, multiple, 1);
      if (padded.note) assumptions.push(padded.note);
      vocabSize = padded.rows;
      break;
    }
    default:
      break;
  }
  if (ffnSize === undefined || headDim === undefined) {
    if (!family.mla) return undefined;
  }

  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim: headDim ?? 0,
    ffnSize: ffnSize ?? 0,
    gatedMlp,
    vocabSize,
    tiedEmbeddings,
    learnedPositions,
    qkvBias: switchOf(family.qkvBias),
    attnOutBias: switchOf(family.attnOutBias),
    mlpBias: switchOf(family.mlpBias),
    lmHeadBias: family.lmHeadBias === undefined ? false : switchOf(family.lmHeadBias),
    normsPerLayer,
    normWeight,
    normBias,
    finalNorm,
    qkNorm,
    qkNormBias,
    ...(family.embeddingNorm ? { embeddingNorm: true } : {}),
    ...(family.attentionSinks ? { attentionSinks: true } : {}),
    ...(encoderDecoder ? { encoderDecoder } : {}),
  };
  if (architecture.tiedEmbeddings && architecture.lmHeadBias) {
    // A tied lm_head whose Linear has a bias (PhiForCausalLM, GPTJForCausalLM, ERNIE-4.5-MoE with
    // use_bias): the bias stays a separate parameter of vocab_size, which the tied-head count
    // (params.ts) drops; unknown rather than vocab_size too few.
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message:
        'unknown: tie_word_embeddings = true with an lm_head bias — Scaling Lens does not count the bias of a tied head; N not shown.',
      range: archSources.tiedEmbeddings?.keyRange,
    });
    missing.push('a model of a tied lm_head with a bias');
    return undefined;
  }
  if (family.mla) {
    const mla = readMla(view, int);
    if (!mla) return undefined;
    architecture.mla = mla;
    architecture.headDim = mla.qkNopeHeadDim + mla.qkRopeHeadDim;
    if (ffnSize === undefined) return undefined;
  }
  if (family.moe) {
    const moe = readMoe(view, family, nLayers, architecture.ffnSize, archSources, int);
    if (moe === 'invalid') return undefined;
    if (moe) architecture.moe = moe;
  }
  // Any written but invalid key (diagnosed above) leaves the count unknown rather than defaulted.
  return valid ? architecture : undefined;
}

type IntReader = (
  field: ArchField | undefined,
  aliases: readonly string[],
  what: string,
  options?: { min?: number; nullable?: boolean },
) => number | undefined;

/** DeepSeek multi-head latent attention widths (DeepseekV2Attention / DeepseekV3Attention). */
function readMla(view: JsonConfigView, int: IntReader): MlaSpec | undefined {
  const qLora = view.get(['q_lora_rank']);
  // q_lora_rank null: q projected directly (DeepSeek-V2-Lite).
  const qLoraRank = qLora && qLora.value === null ? 0 : int(undefined, ['q_lora_rank'], 'q LoRA rank');
  const kvLoraRank = int(undefined, ['kv_lora_rank'], 'kv LoRA rank');
  const qkNopeHeadDim = int(undefined, ['qk_nope_head_dim'], 'qk nope head dim');
  const qkRopeHeadDim = int(undefined, ['qk_rope_head_dim'], 'qk rope head dim');
  const vHeadDim = int(undefined, ['v_head_dim'], 'v head dim');
  if (
    qLoraRank === undefined ||
    kvLoraRank === undefined ||
    qkNopeHeadDim === undefined ||
    qkRopeHeadDim === undefined ||
    vHeadDim === undefined
  ) {
    return undefined;
  }
  return { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim };
}

/** MoE block of one family style; counts of MoE layers are arithmetic, never a loop over layers. */
function readMoe(
  view: JsonConfigView,
  family: HfFamily,
  nLayers: number,
  denseFfnSize: number,
  archSources: RunSpec['archSources'],
  int: IntReader,
): MoeSpec | 'invalid' | undefined {
  const style = family.moe!;
  const expertsKey =
    style === 'mixtral' || style === 'llama4'
      ? 'num_local_experts'
      : style.startsWith('deepseek')
        ? 'n_routed_experts'
        : style === 'ernie'
          ? 'moe_num_experts'
          : style === 'dbrx'
            ? 'ffn_config.moe_num_experts'
            : 'num_experts';
  const perTokenKey =
    style === 'ernie' ? 'moe_k' : style === 'dbrx' ? 'ffn_config.moe_top_k' : 'num_experts_per_tok';
  // Spellings the config class maps onto the expert count (attribute_map); two different written
  // values leave the count to the order transformers happens to set them in, so it is unknown.
  const spellings = [expertsKey, ...(family.expertAliases ?? [])];
  const writtenSpellings = spellings
    .map((key) => view.get([key]))
    .filter((found): found is NonNullable<typeof found> => found !== undefined);
  const conflicting = writtenSpellings.find(
    (found) => JSON.stringify(found.value) !== JSON.stringify(writtenSpellings[0]!.value),
  );
  if (conflicting) {
    view.invalid(
      conflicting.source,
      `the same value as \`${writtenSpellings[0]!.key}\` (both name the expert count)`,
    );
    return 'invalid';
  }
  const expertsFound = writtenSpellings[0];
  const expertsKeys = expertsFound ? [expertsFound.key] : [expertsKey];
  // DeepSeek: n_routed_experts null means a dense model.
  if (style.startsWith('deepseek') && expertsFound && expertsFound.value === null) return undefined;
  const nExperts = int('nExperts', expertsKeys, 'experts', { min: 0 });
  const expertsPerToken = int('expertsPerToken', [perTokenKey], 'experts per token', { min: 0 });
  if (nExperts === undefined || expertsPerToken === undefined) return 'invalid';
  if (expertsFound) archSources.nExperts = expertsFound.source;
  if (nExperts === 0) return undefined;
  if (expertsPerToken === 0 || expertsPerToken > nExperts) {
    const source = view.get([perTokenKey])?.source;
    if (source) view.invalid(source, `between 1 and the ${nExperts} experts`);
    else {
      // The class default is the value out of range: say so rather than stay silent.
      view.diagnostics.push({
        severity: 'warning',
        code: 'missing-key',
        message: `unknown: \`${perTokenKey}\` is not written and the ${family.id} default ${expertsPerToken} is not between 1 and the ${nExperts} experts; N not shown.`,
      });
    }
    return 'invalid';
  }

  if (style === 'mixtral' || style === 'olmoe' || style === 'dbrx') {
    const shared = family.sharedExpertKey
      ? int(undefined, [family.sharedExpertKey], 'shared MLP width', { min: 0 })
      : 0;
    if (shared === undefined) return 'invalid';
    return {
      nExperts,
      expertsPerToken,
      expertFfnSize: denseFfnSize,
      ...(shared > 0 ? { sharedExpertFfnSize: shared } : {}),
      // gpt-oss: GptOssTopKRouter.bias (E) and GptOssExperts gate_up/down biases.
      ...(family.routerBias ? { routerBias: true } : {}),
      ...(family.expertBias ? { expertBias: true } : {}),
    };
  }
  if (style === 'llama4') {
    // Llama4TextDecoderLayer: MoE when layer_idx in config.moe_layers (a written list, else
    // range(interleave_moe_layer_step - 1, layers, step), i.e. layers // step of them); the shared
    // expert and the experts are intermediate_size wide.
    const width = int(undefined, ['intermediate_size'], 'expert FFN width');
    if (width === undefined) return 'invalid';
    const listFound = view.get(['moe_layers']);
    let moeLayers: number;
    if (listFound && listFound.value !== null) {
      const list = listFound.value;
      if (!Array.isArray(list) || !list.every((v) => Number.isInteger(v))) {
        view.invalid(listFound.source, 'a list of layer indices');
        return 'invalid';
      }
      moeLayers = new Set((list as number[]).filter((layer) => layer >= 0 && layer < nLayers)).size;
    } else {
      const step = int(undefined, ['interleave_moe_layer_step'], 'MoE layer step');
      if (step === undefined) return 'invalid';
      moeLayers = Math.floor(nLayers / step);
    }
    if (moeLayers === 0) return undefined;
    return { nExperts, expertsPerToken, expertFfnSize: width, sharedExpertFfnSize: width, moeLayers };
  }
  const expertFfnSize = int(undefined, ['moe_intermediate_size'], 'expert FFN width');
  if (expertFfnSize === undefined) return 'invalid';

  if (style === 'ernie') {
    // Ernie4_5_MoeDecoderLayer: sparse when (i + 1) % interval == 0 and start <= i <= end (end -1
    // is the last layer): the multiples m = i + 1 of interval in [start + 1, end + 1].
    const interval = int(undefined, ['moe_layer_interval'], 'MoE layer interval');
    const start = int(undefined, ['moe_layer_start_index'], 'first MoE layer', { min: 0 });
    const endFound = view.get(['moe_layer_end_index']);
    // Absent: the class default -1, i.e. the last layer.
    const end =
      !endFound || endFound.value === -1
        ? nLayers - 1
        : int(undefined, ['moe_layer_end_index'], 'last MoE layer', { min: 0 });
    const shared = int(undefined, ['moe_num_shared_experts'], 'shared experts', { min: 0 });
    if (interval === undefined || start === undefined || end === undefined || shared === undefined) {
      return 'invalid';
    }
    const last = Math.min(end, nLayers - 1);
    const moeLayers = last < start ? 0 : Math.floor((last + 1) / interval) - Math.floor(start / interval);
    if (moeLayers === 0) return undefined;
    return {
      nExperts,
      expertsPerToken,
      expertFfnSize,
      sharedExpertFfnSize: shared * expertFfnSize,
      routerBias: true,
      moeLayers,
    };
  }

  if (style === 'qwen-moe') {
    // Qwen-MoE: layer i is sparse unless listed in mlp_only_layers, and only every
    // decoder_sparse_step-th layer ((i + 1) % step == 0) is sparse (modeling_qwen2_moe / qwen3_moe).
    const step = int(undefined, ['decoder_sparse_step'], 'sparse step') ?? 1;
    const mlpOnlyFound = view.get(['mlp_only_layers']);
    const mlpOnly = mlpOnlyFound?.value;
    if (mlpOnlyFound && mlpOnly !== null && !Array.isArray(mlpOnly)) {
      view.invalid(mlpOnlyFound.source, 'a list of layer indices');
      return 'invalid';
    }
    const denseOnly = new Set(
      Array.isArray(mlpOnly) ? mlpOnly.filter((v): v is number => Number.isInteger(v)) : [],
    );
    let moeLayers = Math.floor(nLayers / step);
    for (const layer of denseOnly) if (layer >= 0 && layer < nLayers && (layer + 1) % step === 0) moeLayers--;
    const hasSharedExpert = 'shared_expert_intermediate_size' in family.defaults;
    const sharedFfn = hasSharedExpert
      ? (int(undefined, ['shared_expert_intermediate_size'], 'shared expert width', { min: 0 }) ?? 0)
      : 0;
    return {
      nExperts,
      expertsPerToken,
      expertFfnSize,
      sharedExpertFfnSize: sharedFfn,
      // Qwen2MoeSparseMoeBlock builds shared_expert_gate = Linear(hidden, 1) whatever the shared
      // width (transformers@001f85b3 modular_qwen2_moe.py), so even a 0-wide shared expert has it.
      sharedExpertGate: hasSharedExpert,
      moeLayers,
    };
  }

  // DeepSeek: MoE from layer first_k_dense_replace on (the inventory keeps moe_layer_freq at 1);
  // the n_shared_experts shared experts are one MLP of n_shared · moe_intermediate_size.
  const firstDense = int(undefined, ['first_k_dense_replace'], 'leading dense layers', { min: 0 }) ?? 0;
  const sharedFound = view.get(['n_shared_experts']);
  const nShared =
    sharedFound && sharedFound.value === null && style === 'deepseek-v2'
      ? 0
      : (int(undefined, ['n_shared_experts'], 'shared experts', { min: 0 }) ?? 0);
  if (nShared === undefined) return 'invalid';
  return {
    nExperts,
    expertsPerToken,
    expertFfnSize,
    sharedExpertFfnSize: nShared * expertFfnSize,
    ...(family.routerBias ? { routerBias: true } : {}),
    moeLayers: Math.max(0, nLayers - firstDense),
  };
}

/**
 * The run spec of a config.json given as a parsed object (pure; the inventory applied), for
 * readers that find a config.json beside their own file.
 */
export function readHfConfigObject(json: unknown): RunSpec | undefined {
  let text: string;
  try {
    text = JSON.stringify(json, null, 2);
  } catch {
    return undefined;
  }
  if (typeof text !== 'string') return undefined;
  const result = read(text, {});
  if (result.kind !== 'run-config') return undefined;
  return result.written ? applyInventory(result.spec, HF_CONFIG_INVENTORY, result.written) : result.spec;
}

/**
 * The architecture a transformers config.json object describes, or undefined when it cannot be
 * counted exactly (unknown model_type, a key the reader does not model, a missing value).
 */
export function hfConfigToArchitecture(json: unknown): ArchitectureSpec | undefined {
  return readHfConfigObject(json)?.architecture;
}

/** The Hugging Face `config.json` reader. */
export const hfConfigReader: FrameworkReader<'hf-config'> = neverThrowing({
  id: 'hf-config',
  label: 'Hugging Face config',
  detect,
  read,
  inventory: HF_CONFIG_INVENTORY,
});
