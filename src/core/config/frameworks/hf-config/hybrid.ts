import type { ArchitectureSpec, CoreDiagnostic, FieldSource, HybridBlock, RunSpec } from '../../../types';
import { asTypedBool, asTypedIntAtLeast, EXPECTED } from '../../readerPolicy';
import type { HfFamily } from './models';

/**
 * Hybrid Mamba-2 families of the config.json reader: `mamba2` (every layer a Mamba-2 block) and
 * `nemotron_h` (each layer one block: Mamba-2, attention or MLP). Shapes from
 * huggingface/transformers:
 * - mamba2/modeling_mamba2.py @4711664e: Mamba2Block = Mamba2RMSNorm(d) + Mamba2Mixer, whose
 *   intermediate is int(expand·hidden) and heads `num_heads`; in_proj/out_proj bias=use_bias,
 *   conv1d bias=use_conv_bias, dt_bias/A_log/D of num_heads, MambaRMSNormGated(intermediate);
 *   Mamba2Model norm_f; lm_head without bias (configuration_mamba2.py @f2a39d49 for defaults).
 * - nemotron_h/modeling_nemotron_h.py @897753a0: NemotronHBlock = NemotronHRMSNorm(d) + one mixer;
 *   NemotronHMamba2Mixer intermediate = mamba_num_heads·mamba_head_dim, in_proj/out_proj
 *   bias=use_bias (not mamba_proj_bias), conv bias=use_conv_bias, Zamba2RMSNormGated(intermediate)
 *   (grouped, same weights); NemotronHAttention q/k/v/o bias=False; NemotronHMLP up/down
 *   bias=mlp_bias (relu2, ungated); norm_f; lm_head without bias (configuration_nemotron_h.py
 *   @cfeb552e for defaults; `hybrid_override_pattern` M/*\/-/E as in Megatron-core).
 *
 * What stays unknown, naming the key: MoE blocks (`E` / "moe": latent MoE with shared experts and
 * a grouped sigmoid router), `tie_word_embeddings` true (the head classes declare no tied weights
 * in transformers 5 — `_tied_weights_keys` = [] / {} — while 4.x ties on the flag), an
 * `attention_bias` true (read by some nemotron_h versions, hard-coded False in others), a
 * `mamba_proj_bias` that differs from `use_bias`, an `expand` that disagrees with the head shape.
 */

interface Found {
  key: string;
  value: unknown;
  source: FieldSource;
}

/** The part of the reader's config view this module uses. */
export interface HybridConfigView {
  get(aliases: readonly string[]): Found | undefined;
  invalid(source: FieldSource, expected: string): void;
  readonly diagnostics: CoreDiagnostic[];
}

export type HybridFamilyKind = 'mamba2' | 'nemotron_h';

/** Block kinds of nemotron_h layer lists and patterns (both spellings transformers has used). */
const BLOCK_NAMES: Readonly<Record<string, HybridBlock | 'moe'>> = {
  M: 'mamba2',
  mamba: 'mamba2',
  linear_attention: 'mamba2',
  '*': 'attention',
  attention: 'attention',
  full_attention: 'attention',
  '-': 'mlp',
  mlp: 'mlp',
  E: 'moe',
  moe: 'moe',
};

export function buildHybridArchitecture(
  kind: HybridFamilyKind,
  view: HybridConfigView,
  family: HfFamily,
  archSources: RunSpec['archSources'],
  assumptions: string[],
  missing: string[],
): ArchitectureSpec | undefined {
  let valid = true;
  const unknown = (source: FieldSource | undefined, message: string, what: string) => {
    view.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${message}; N not shown.`,
      ...(source ? { range: source.keyRange } : {}),
    });
    missing.push(what);
    valid = false;
  };
  /** The written spellings of one setting must agree (the config class maps them onto one attribute). */
  const found = (aliases: readonly string[]): Found | undefined => {
    const all = aliases.map((key) => view.get([key])).filter((f): f is Found => f !== undefined);
    const other = all.find((f) => JSON.stringify(f.value) !== JSON.stringify(all[0]!.value));
    if (other) {
      view.invalid(
        other.source,
        `the same value as \`${all[0]!.key}\` (both set one ${family.id} attribute)`,
      );
      valid = false;
    }
    return all[0];
  };
  const defaultNote = (key: string, value: unknown) =>
    assumptions.push(`${key} absent: ${family.id} config default ${String(value)}`);
  const int = (
    field: keyof RunSpec['archSources'] | undefined,
    aliases: readonly string[],
    min = 1,
  ): number | undefined => {
    const f = found(aliases);
    if (f) {
      const value = asTypedIntAtLeast(f.value, min);
      if (value === undefined) {
        view.invalid(f.source, EXPECTED.intAtLeast(min));
        valid = false;
        return undefined;
      }
      if (field) archSources[field] = f.source;
      return value;
    }
    const fallback = family.defaults[aliases[0]!];
    const value = asTypedIntAtLeast(fallback, min);
    if (value === undefined) {
      missing.push(`\`${aliases[0]}\` (no ${family.id} config-class default known)`);
      view.diagnostics.push({
        severity: 'warning',
        code: 'missing-key',
        message: `unknown: \`${aliases[0]}\` is not written and Scaling Lens has no ${family.id} default for it; N not shown.`,
      });
      valid = false;
      return undefined;
    }
    defaultNote(aliases[0]!, value);
    return value;
  };
  const bool = (aliases: readonly string[]): boolean | undefined => {
    const f = found(aliases);
    if (f) {
      const value = asTypedBool(f.value);
      if (value === undefined) {
        view.invalid(f.source, EXPECTED.bool);
        valid = false;
      }
      return value;
    }
    const fallback = family.defaults[aliases[0]!];
    if (typeof fallback !== 'boolean') return undefined;
    defaultNote(aliases[0]!, fallback);
    return fallback;
  };

  const dModel = int('dModel', ['hidden_size']);
  const vocabSize = int('vocabSize', ['vocab_size']);
  const tied = found(['tie_word_embeddings']);
  const tiedValue = tied ? asTypedBool(tied.value) : false;
  if (tied && tiedValue === undefined) {
    view.invalid(tied.source, EXPECTED.bool);
    valid = false;
  } else if (tied) archSources.tiedEmbeddings = tied.source;
  // A true value is refused by the family's inventory row (tying differs across transformers
  // versions), so it is not checked again here.
  if (!tied) assumptions.push(`tie_word_embeddings absent: false for ${family.id}`);

  // The Mamba-2 mixer.
  const m =
    kind === 'mamba2'
      ? {
          nHeads: int(undefined, ['num_heads']),
          headDim: int(undefined, ['head_dim']),
          stateDim: int(undefined, ['state_size']),
          nGroups: int(undefined, ['n_groups']),
          convKernel: int(undefined, ['conv_kernel']),
          projBias: bool(['use_bias']),
          convBias: bool(['use_conv_bias']),
        }
      : {
          nHeads: int(undefined, ['mamba_num_heads']),
          headDim: int(undefined, ['mamba_head_dim']),
          stateDim: int(undefined, ['ssm_state_size']),
          nGroups: int(undefined, ['n_groups', 'mamba_n_groups']),
          convKernel: int(undefined, ['conv_kernel', 'mamba_d_conv']),
          projBias: bool(['use_bias']),
          convBias: bool(['use_conv_bias', 'mamba_conv_bias']),
        };
  if (dModel === undefined || vocabSize === undefined) return undefined;
  const expandFound = found(kind === 'mamba2' ? ['expand'] : ['expand', 'mamba_expand']);
  if (m.nHeads !== undefined && m.headDim !== undefined) {
    const inner = m.nHeads * m.headDim;
    // Mamba2Mixer sizes the projections from int(expand·hidden) and the heads from num_heads; a
    // file where they disagree builds layers whose forward fails: not a model.
    const expand = expandFound ? expandFound.value : kind === 'mamba2' ? family.defaults.expand : undefined;
    if (expand !== undefined && (typeof expand !== 'number' || Math.trunc(expand * dModel) !== inner)) {
      unknown(
        expandFound?.source,
        `${expandFound ? `${expandFound.key} = ${expandFound.source.raw.slice(0, 20)}` : `the ${family.id} default expand ${String(expand)}`} × hidden_size ${dModel} ≠ heads × head_dim ${inner}, which the mixer's shapes need to agree on`,
        `a model of \`${family.id}\` with expand × hidden_size ≠ heads × head_dim`,
      );
    }
  }
  if (kind === 'nemotron_h') {
    const projBias = found(['mamba_proj_bias']);
    if (projBias && m.projBias !== undefined && asTypedBool(projBias.value) !== m.projBias) {
      unknown(
        projBias.source,
        `mamba_proj_bias = ${projBias.source.raw.slice(0, 10)} differs from use_bias — NemotronHMamba2Mixer's in_proj/out_proj take use_bias in some transformers versions`,
        `a model of \`nemotron_h.mamba_proj_bias\` ≠ use_bias`,
      );
    }
  }

  // The layer stack.
  let blocks: Record<HybridBlock, number>;
  let nLayers: number | undefined;
  if (kind === 'mamba2') {
    nLayers = int('nLayers', ['num_hidden_layers']);
    blocks = { mamba2: nLayers ?? 0, attention: 0, mlp: 0 };
  } else {
    const list = view.get(['layers_block_type']);
    const pattern = view.get(['hybrid_override_pattern']);
    const kinds = (f: Found): (HybridBlock | 'moe')[] | undefined => {
      const items = Array.isArray(f.value)
        ? f.value
        : typeof f.value === 'string' && f.key === 'hybrid_override_pattern'
          ? [...f.value]
          : undefined;
      if (!items || items.length === 0) return undefined;
      const out: (HybridBlock | 'moe')[] = [];
      for (const item of items) {
        const block = typeof item === 'string' ? BLOCK_NAMES[item] : undefined;
        if (!block) return undefined;
        out.push(block);
      }
      return out;
    };
    const fromList = list ? kinds(list) : undefined;
    const fromPattern = pattern ? kinds(pattern) : undefined;
    if (list && !fromList) {
      view.invalid(list.source, 'a list of "mamba", "attention", "mlp" or "moe"');
      valid = false;
    }
    if (pattern && !fromPattern) {
      view.invalid(pattern.source, 'a string of M, *, - and E');
      valid = false;
    }
    const layers = fromList ?? fromPattern;
    if (fromList && fromPattern && fromList.join() !== fromPattern.join()) {
      unknown(
        pattern!.source,
        'layers_block_type and hybrid_override_pattern describe different stacks (the config class reads one or the other depending on the version)',
        'a model of `nemotron_h` with two different layer patterns',
      );
    }
    if (!list && !pattern) {
      missing.push('`layers_block_type` or `hybrid_override_pattern` (the nemotron_h layer kinds)');
      view.diagnostics.push({
        severity: 'warning',
        code: 'missing-key',
        message:
          'unknown: neither `layers_block_type` nor `hybrid_override_pattern` is written; the nemotron_h layer kinds are not known; N not shown.',
      });
      valid = false;
    }
    blocks = { mamba2: 0, attention: 0, mlp: 0 };
    if (layers) {
      nLayers = layers.length;
      archSources.nLayers = (fromList ? list : pattern)!.source;
      const moe = layers.filter((b) => b === 'moe').length;
      if (moe > 0) {
        unknown(
          (fromList ? list : pattern)!.source,
          `${moe} MoE block${moe === 1 ? '' : 's'} — Scaling Lens does not model nemotron_h's MoE (latent projections, shared experts, grouped sigmoid router)`,
          'a model of nemotron_h MoE blocks',
        );
      }
      for (const b of layers) if (b !== 'moe') blocks[b]++;
      const written = view.get(['num_hidden_layers']);
      if (written && written.value !== null && written.value !== nLayers) {
        unknown(
          written.source,
          `num_hidden_layers = ${written.source.raw.slice(0, 10)} differs from the ${nLayers} layers of the pattern (versions differ in which one builds the stack)`,
          'a model of `nemotron_h.num_hidden_layers` ≠ the pattern length',
        );
      }
    }
  }

  // Attention and MLP blocks (nemotron_h).
  let nHeads = 0;
  let nKvHeads = 0;
  let headDim = 0;
  let ffnSize = 0;
  let mlpBias = false;
  if (kind === 'nemotron_h') {
    nHeads = int('nHeads', ['num_attention_heads']) ?? 0;
    const kv = view.get(['num_key_value_heads']);
    // NemotronHConfig: num_key_value_heads None → num_attention_heads.
    nKvHeads = kv && kv.value === null ? nHeads : (int('nKvHeads', ['num_key_value_heads']) ?? 0);
    const written = view.get(['head_dim']);
    const legacy = view.get(['attention_head_dim']);
    headDim = int('headDim', ['head_dim']) ?? 0;
    // Older NemotronH code read attention_head_dim; the current class ignores it and keeps head_dim.
    if (legacy && legacy.value !== headDim) {
      unknown(
        legacy.source,
        `attention_head_dim = ${legacy.source.raw.slice(0, 10)} differs from the head_dim ${headDim}${written ? '' : ' (the config default)'} — transformers versions differ in which one sizes the attention`,
        'a model of `nemotron_h.attention_head_dim` ≠ head_dim',
      );
    }
    ffnSize = int('ffnSize', ['intermediate_size']) ?? 0;
    mlpBias = bool(['mlp_bias']) ?? false;
    const attentionBias = found(['attention_bias']);
    if (attentionBias && asTypedBool(attentionBias.value) !== false) {
      unknown(
        attentionBias.source,
        `attention_bias = ${attentionBias.source.raw.slice(0, 10)} — NemotronHAttention builds q/k/v/o without bias in some transformers versions and with it in others`,
        'a model of `nemotron_h.attention_bias` = true',
      );
    }
  }

  if (
    !valid ||
    nLayers === undefined ||
    m.nHeads === undefined ||
    m.headDim === undefined ||
    m.stateDim === undefined ||
    m.nGroups === undefined ||
    m.convKernel === undefined ||
    m.projBias === undefined ||
    m.convBias === undefined
  ) {
    return undefined;
  }
  return {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: false,
    vocabSize,
    tiedEmbeddings: false,
    learnedPositions: 0,
    qkvBias: false,
    attnOutBias: false,
    mlpBias,
    lmHeadBias: false,
    normsPerLayer: 1,
    normWeight: true,
    normBias: false,
    finalNorm: true,
    qkNorm: 'none',
    hybrid: {
      blocks,
      mamba: {
        nHeads: m.nHeads,
        headDim: m.headDim,
        stateDim: m.stateDim,
        nGroups: m.nGroups,
        convKernel: m.convKernel,
        projBias: m.projBias,
        convBias: m.convBias,
      },
    },
  };
}
