import type { TitanFlavorArgs } from './flavors';

/**
 * Flavors whose entry changed between torchtitan versions whose TOML files are the same, so the file
 * alone cannot tell which one it ran: N follows pytorch/torchtitan@238fa995 (the last TOML era) and a
 * warning gives the other version's count. Read from the history of each `__init__.py`
 * (pytorch/torchtitan, `git log -p`); versions whose TOML differs (Dec 2024 keys mixed in) are
 * handled by the reader's era check instead.
 */
export interface TitanFlavorVariant {
  /** The versions that had the other entry (first and last commit, dates). */
  readonly window: string;
  /** What that entry was. */
  readonly facts: string;
  /** The entry's arguments over the 238fa995 ones. */
  readonly edit: (args: TitanFlavorArgs) => TitanFlavorArgs;
  /** Keys or tables that only versions after the window have: a file with one is not of the window. */
  readonly laterKeys: readonly string[];
}

/**
 * `[job] print_config` replaced `print_args` in pytorch/torchtitan@7c104807 (2025-10-14); the
 * `[quantize]` tables replaced `[float8]` / `[mx]` in @5b5d4685 (2025-09-26).
 */
const AFTER_OCT_14_2025 = ['job.print_config'];
const AFTER_SEP_26_2025 = ['job.print_config', 'quantize'];

const withMoe = (args: TitanFlavorArgs, moe: Record<string, number | boolean>): TitanFlavorArgs => ({
  ...args,
  moe_args: { ...(args.moe_args as Record<string, number | string | boolean | null>), ...moe },
});

const VARIANTS: Readonly<Record<string, Readonly<Record<string, readonly TitanFlavorVariant[]>>>> = {
  qwen3: {
    // experiments/qwen3/__init__.py @bd3850be … @aa000a3c; models/qwen3 from d880de21.
    debugmodel_moe: [
      {
        window: 'pytorch/torchtitan@bd3850be (2025-09-11) to the parent of @d880de21 (2025-10-12)',
        facts: 'dim 1024, 28 layers, vocab 151936',
        edit: (args) => ({ ...args, vocab_size: 151936, dim: 1024, n_layers: 28 }),
        laterKeys: AFTER_OCT_14_2025,
      },
    ],
    // experiments/qwen3 @bd3850be: "30B-A3B" with the 32B's dense shape; fixed in @5359d989.
    '30B-A3B': [
      {
        window: 'pytorch/torchtitan@bd3850be (2025-09-11) to the parent of @5359d989 (2025-09-26)',
        facts: 'dim 5120, 64 layers, 64 heads (8 kv), FFN 25600',
        edit: (args) => ({ ...args, dim: 5120, n_layers: 64, n_heads: 64, n_kv_heads: 8, hidden_dim: 25600 }),
        laterKeys: AFTER_OCT_14_2025,
      },
    ],
  },
};

/** vocab_size=2000 in the debug flavors from hf_assets_path (fd5a87fa) until c9cb3046 set 2048. */
const VOCAB_2000: TitanFlavorVariant = {
  window: 'pytorch/torchtitan@fd5a87fa (2025-08-11, hf_assets_path) to the parent of @c9cb3046 (2025-09-22)',
  facts: 'vocab 2000',
  edit: (args) => ({ ...args, vocab_size: 2000 }),
  laterKeys: AFTER_SEP_26_2025,
};
/** deepseek_v3 debug flavors had 3 layers until 07c00d9c (2025-08-31), with vocab 2000. */
const DEEPSEEK_DEBUG_3_LAYERS: TitanFlavorVariant = {
  window: 'pytorch/torchtitan@fd5a87fa (2025-08-11) to the parent of @07c00d9c (2025-08-31)',
  facts: '3 layers, vocab 2000',
  edit: (args) => ({ ...args, vocab_size: 2000, n_layers: 3 }),
  laterKeys: AFTER_SEP_26_2025,
};
/** gpt_oss routers had no gate bias until 41753c67 (2026-02-05) added MoEArgs.gate_bias. */
const GPT_OSS_NO_GATE_BIAS: TitanFlavorVariant = {
  window: 'pytorch/torchtitan@de335b32 (2025-10-22) to the parent of @41753c67 (2026-02-05)',
  facts: 'a router gate without bias (MoEArgs had no gate_bias)',
  edit: (args) => withMoe(args, { gate_bias: false }),
  laterKeys: [],
};

/** The other versions' entries of `[model] name` + flavor key, if any. */
export function titanFlavorVariants(modelName: string, flavorKey: string): readonly TitanFlavorVariant[] {
  const listed = VARIANTS[modelName]?.[flavorKey];
  if (listed) return listed;
  if (/^debugmodel/.test(flavorKey)) {
    if (modelName === 'llama3' || modelName === 'llama4') return [VOCAB_2000];
    if (modelName === 'deepseek_v3') return [DEEPSEEK_DEBUG_3_LAYERS, VOCAB_2000];
  }
  if (modelName === 'gpt_oss') return [GPT_OSS_NO_GATE_BIAS];
  return [];
}
