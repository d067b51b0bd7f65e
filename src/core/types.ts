/**
 * Framework-neutral data model shared by every part of the core.
 *
 * Data flows one way: text → parsed document (with ranges) → {@link RunSpec} (this file) →
 * analysis (N, D, C, cost, loss) → views. Positions are 0-based lines and UTF-16 characters, the
 * LSP convention, so the server can hand them to the editor unchanged.
 */

import type { ParallelLayout } from './model/layout';
import type { RegisteredFrameworkId } from './config/registry';

/** A 0-based position (line, UTF-16 character), as in LSP. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open source range, as in LSP. */
export interface SourceRange {
  start: Position;
  end: Position;
}

/**
 * Identifiers of the frameworks whose run configs we recognize: the ids of the readers registered in
 * src/core/config/registry.ts (one folder each under src/core/config/frameworks/), not a second list.
 */
export type FrameworkId = RegisteredFrameworkId;

/**
 * Where one value the analysis used came from: the key as spelled in the file, the range of the key
 * and of its value, and the raw value text. `inherited` is set when the value came from another file
 * (MaxText base.yml, a Levanter `!include`) or from a built-in model table.
 */
export interface FieldSource {
  key: string;
  keyRange: SourceRange;
  valueRange: SourceRange;
  raw: string;
  /** Path of the file the value was read from when it is not the analyzed file. */
  file?: string;
}

/** Which architecture facts an editor feature can point at (hovers, highlighting). */
export type ArchField =
  | 'nLayers'
  | 'dModel'
  | 'nHeads'
  | 'nKvHeads'
  | 'headDim'
  | 'ffnSize'
  | 'vocabSize'
  | 'tiedEmbeddings'
  | 'maxPositions'
  | 'nExperts'
  | 'expertsPerToken'
  | 'modelName';

/** Which training-length facts an editor feature can point at. */
export type TrainingField =
  | 'duration'
  | 'steps'
  | 'globalBatch'
  | 'microBatch'
  | 'gradAccum'
  | 'seqLen'
  | 'tokens'
  | 'gpus'
  | 'dataParallel';

/** Mixture-of-experts block description (all experts identical). */
export interface MoeSpec {
  nExperts: number;
  expertsPerToken: number;
  /** Per-branch intermediate width of one expert. */
  expertFfnSize: number;
  /** Per-branch intermediate width of an always-on shared expert (Qwen-MoE), 0 if none. */
  sharedExpertFfnSize?: number;
  /** Router linear has a bias (rare). */
  routerBias?: boolean;
  /** Shared-expert sigmoid gate d→1 (Qwen-MoE). */
  sharedExpertGate?: boolean;
  /**
   * How many layers are MoE (the rest use the dense MLP of width `ffnSize`); default every layer.
   * Interleaved stacks (Llama 4 `interleave_moe_layer_step`, Megatron-DeepSpeed `--expert-interval`,
   * Megatron-core `--moe-layer-freq`) and first-k-dense stacks (DeepSeek) reduce to this count,
   * because every MoE layer has the same parameters.
   */
  moeLayers?: number;
  /**
   * One d-wide bias added to the summed expert output per MoE layer (megablocks `ParallelMLP.bias`,
   * which llm-foundry enables whenever the MPT model has biases). Always active.
   */
  outputBias?: boolean;
  /**
   * Experts are gated (3 matrices) when this differs from the dense MLP: GPT-NeoX's grouped experts
   * are always two-matrix (megatron/model/moe_mlp.py ParallelGroupedMLP). Default `gatedMlp`.
   */
  expertGated?: boolean;
  /** Experts carry MLP biases; default `mlpBias` (NeoX and megablocks experts have none). */
  expertBias?: boolean;
}

/**
 * Megatron-core MultiTokenPredictionBlock (megatron/core/transformer/multi_token_prediction.py at
 * NVIDIA/Megatron-LM@d98e8a64): each module has two norms over d (enorm, hnorm), a 2d→d projection
 * without bias (eh_proj), one transformer layer built from the last decoder layer's spec
 * (gpt_layer_specs.py get_gpt_mtp_block_spec: `spec.layer_specs[-1]`) and a final norm; the
 * embedding and the output head are the model's own. Each module runs on every token.
 */
export interface MtpSpec {
  layers: number;
  /** The copied last decoder layer is an MoE layer (so its experts are too). */
  moeLayer: boolean;
}

/**
 * DeepSeek multi-head latent attention (DeepSeek-V2/V3 `MLA`, torchtitan `deepseek_v3`, HF
 * `deepseek_v2`/`deepseek_v3`, Megatron-core `--multi-latent-attention`). Parameters per layer:
 * q: d×h·(nope+rope) when qLoraRank is 0, else d×qLoraRank + norm(qLoraRank) + qLoraRank×h·(nope+rope);
 * kv: d×(kvLoraRank+rope) + norm(kvLoraRank) + kvLoraRank×h·(nope+v); out: h·v×d.
 */
export interface MlaSpec {
  /** 0 = q projected directly (DeepSeek-V2-Lite), otherwise the q low-rank width. */
  qLoraRank: number;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
}

/**
 * A Mamba-2 mixer (Megatron-core megatron/core/ssm/mamba_mixer.py MambaMixer at
 * NVIDIA/Megatron-LM@d98e8a64; transformers mamba2/modeling_mamba2.py Mamba2Mixer,
 * nemotron_h/modeling_nemotron_h.py NemotronHMamba2Mixer). With inner width di = nHeads·headDim
 * and conv channels c = di + 2·nGroups·stateDim, its parameters are: in_proj d → 2·di +
 * 2·nGroups·stateDim + nHeads (+ bias), depthwise conv1d c × convKernel (+ c bias), dt_bias, A_log
 * and D of nHeads each (D of di when `dPerChannel`), a gated RMSNorm weight over di (grouped or
 * not, the same di weights), out_proj di → d (+ d bias).
 */
export interface Mamba2Spec {
  nHeads: number;
  headDim: number;
  stateDim: number;
  nGroups: number;
  convKernel: number;
  /** Biases on in_proj and out_proj. */
  projBias: boolean;
  convBias: boolean;
  /** D has one entry per inner channel (Megatron `D_has_hdim`), not one per head. */
  dPerChannel?: boolean;
}

/** One kind of block of a hybrid stack, each with its own pre-norm (width d). */
export type HybridBlock = 'mamba2' | 'attention' | 'mlp';

/**
 * A hybrid stack of single-mixer blocks (Nemotron-H, Megatron-core hybrid models, pure Mamba-2):
 * each of the `nLayers` layers is one pre-norm plus one mixer, counted by kind here (the order
 * does not change N). Attention blocks are the spec's attention; MLP blocks its dense MLP of
 * `ffnSize`; `normsPerLayer` is ignored (one norm per block). Not combined with `moe` or `mtp`.
 */
export interface HybridSpec {
  blocks: Readonly<Record<HybridBlock, number>>;
  mamba: Mamba2Spec;
}

/**
 * A decoder-only transformer described by its counts and per-component switches. Every field is
 * explicit: readers apply their framework's defaults, so the parameter math never guesses.
 */
export interface ArchitectureSpec {
  nLayers: number;
  dModel: number;
  nHeads: number;
  nKvHeads: number;
  /** Per-head width; q projection is d × nHeads·headDim. */
  headDim: number;
  /** Per-branch MLP intermediate width (for gated MLPs, the width of each of the two input branches). */
  ffnSize: number;
  /** Gated MLP (SwiGLU/GeGLU): 3 matrices; otherwise 2. */
  gatedMlp: boolean;
  /** The allocated (padded) vocabulary rows. */
  vocabSize: number;
  tiedEmbeddings: boolean;
  /** Rows of a learned absolute position table; 0 for rotary/ALiBi/none. */
  learnedPositions: number;
  /** Biases on q, k, v projections. */
  qkvBias: boolean;
  /** Bias on the attention output projection. */
  attnOutBias: boolean;
  /** Biases on the MLP linears. */
  mlpBias: boolean;
  /** Bias on an untied LM head (rare). */
  lmHeadBias?: boolean;
  /** Norm layers per block (2 for pre-LN, 1 for GPT-J/shared-norm parallel blocks). */
  normsPerLayer: number;
  /** Norm has a learned scale (false: OLMo-1 non-parametric LayerNorm). */
  normWeight: boolean;
  /** Norm has a learned bias (LayerNorm with bias). */
  normBias: boolean;
  /** Final norm before the head. */
  finalNorm: boolean;
  /**
   * QK normalization: 'head' = RMSNorm over head_dim shared by heads (Qwen3, 2·headDim per layer);
   * 'full' = norm over the full q and k projections (OLMo-2: nHeads·headDim + nKvHeads·headDim).
   */
  qkNorm: 'none' | 'head' | 'full';
  /** Whether QK norms carry a bias (OLMo-1 attention_layer_norm with include_bias). */
  qkNormBias?: boolean;
  moe?: MoeSpec;
  /** Multi-token-prediction modules trained beside the decoder (Megatron-core `--mtp-num-layers`). */
  mtp?: MtpSpec;
  /** Multi-head latent attention replaces the q/k/v/o projections (nHeads still counts heads). */
  mla?: MlaSpec;
  /** A norm right after the token embedding (BLOOM `word_embeddings_layernorm`). */
  embeddingNorm?: boolean;
  /** One learned attention-sink logit per head and layer (gpt-oss `sinks`, torchtitan `gpt_oss`). */
  attentionSinks?: boolean;
  /**
   * Hybrid Mamba-2 / attention / MLP stack (see {@link HybridSpec}); absent for every plain
   * transformer, whose layers are each attention + MLP.
   */
  hybrid?: HybridSpec;
  /** Present for T5-style encoder–decoders; counted by a separate formula. */
  encoderDecoder?: EncoderDecoderSpec;
}

/** T5-family encoder–decoder (HF `t5`). */
export interface EncoderDecoderSpec {
  nEncoderLayers: number;
  nDecoderLayers: number;
  /** Relative attention buckets (one bias table in the first layer of each stack). */
  relativeAttentionBuckets: number;
}

/** How to rewrite the duration value when a quick fix or plan changes the training length. */
export interface DurationUnit {
  /** What the value counts. */
  kind: 'tokens' | 'steps' | 'samples' | 'epochs';
  /** Tokens represented by one unit (1 for tokens; tokens/step for steps). */
  tokensPerUnit?: number;
  /** Suffix written after the number (OLMo `T`, llm-foundry `ba`/`tok`), '' for bare numbers. */
  suffix: string;
  /** The value is quoted in the source (so edits keep the quotes). */
  quoted?: boolean;
}

/** Training length as the file states it. */
export interface TrainingSpec {
  /** Total training tokens, when the file (plus settings) determines them. */
  tokens?: number;
  /** Human-readable derivation, e.g. "143000 steps × 1024 seqs × 2048 tokens". */
  formula?: string;
  /** What is missing when tokens cannot be determined (e.g. "GPU count"). */
  missing?: string[];
  steps?: number;
  globalBatchSeqs?: number;
  seqLen?: number;
  /** Tokens per optimizer step at full batch. */
  tokensPerStep?: number;
  /** The unit of the key that sets the run length, for quick fixes. */
  durationUnit?: DurationUnit;
  /** True when this is a finetune (D counts finetuning tokens only). */
  finetune?: boolean;
  /** A GPU (device) count the file states or implies (comments like "trained on 64 gpus"). */
  gpus?: number;
}

/** Severity of a core diagnostic. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A diagnostic produced by the core; errors are values, never exceptions. */
export interface CoreDiagnostic {
  severity: Severity;
  message: string;
  range?: SourceRange;
  /** Stable code for code actions and tests, e.g. 'missing-gpus'. */
  code: string;
}

/** Values a reader may need but the file does not state; supplied from settings. */
export interface ReadOptions {
  /** GPU/device count used when D depends on the data-parallel size. */
  gpus?: number;
  /** Dataset size in tokens when D is given in epochs. */
  datasetTokens?: number;
}

/** I/O the readers may use to follow includes or sibling files; injected so the core stays pure. */
export interface ReadContext {
  /** Path of the file being read (for resolving includes); may be a URI path. */
  path?: string;
  /** Synchronously read another file; returns undefined when it cannot. */
  readFile?: (path: string) => string | undefined;
  options?: ReadOptions;
}

/** The framework-neutral description of a run produced by one framework reader. */
export interface RunSpec {
  framework: FrameworkId;
  /** A display name: the model name, flavor, or run name. */
  modelName?: string;
  architecture?: ArchitectureSpec;
  training: TrainingSpec;
  /** Where each architecture fact came from (absent for defaults). */
  archSources: Partial<Record<ArchField, FieldSource>>;
  /** Where each training fact came from. */
  trainingSources: Partial<Record<TrainingField, FieldSource>>;
  /** Every key the reader consulted (for the injection grammar and hovers). */
  usedKeys: FieldSource[];
  /** Human-readable assumptions made (defaults applied), shown in hovers and the CLI. */
  assumptions: string[];
  diagnostics: CoreDiagnostic[];
  /** Range of the section that describes the model (for the summary lens). */
  modelSectionRange?: SourceRange;
  /**
   * What N needs that the file does not give (a tokenizer's size, a named checkpoint's shape); set
   * whenever `architecture` is absent for want of something, so the JSON `missing` says it.
   */
  paramsMissing?: string[];
  /**
   * Parameters trained by a parameter-efficient finetune (LoRA adapters), beside the base N; the
   * base model's N stays the model's N.
   */
  trainableParams?: { count: number; method: string };
  /**
   * The parallel layout the file states (degrees, sharding, recompute, micro-batch, precision,
   * optimizer), each value with the source range of its key; set by `readLayout`
   * (src/core/config/frameworks/<id>/layout.ts) for frameworks that have a layout reader. Memory per GPU is
   * estimated only when present.
   */
  layout?: ParallelLayout;
  /**
   * The accelerator and device count the file states in comments, launcher lines, TPU slice names or
   * a `# scaling-lens: gpus=N gpu=ID` directive (src/core/config/hardwareHints.ts); the analysis
   * uses them for cost and days and says where each came from.
   */
  hardware?: import('./config/hardwareHints').HardwareHints;
}

/** Result of recognizing and reading a file. */
export type ReadResult =
  | {
      kind: 'run-config';
      spec: RunSpec;
      /**
       * Every key the file writes (spelled like the framework's inventory), so the registry can make
       * N or D unknown where the file sets something the reader does not model.
       */
      written?: readonly { key: string; value: unknown; source: FieldSource }[];
      /** The reader's own parse of the text, for the layout reader (src/core/config/frameworks/<id>/layout.ts) to reuse. */
      parsed?: unknown;
    }
  | { kind: 'not-a-run-config' }
  | { kind: 'unreadable'; framework?: FrameworkId; diagnostics: CoreDiagnostic[] };
