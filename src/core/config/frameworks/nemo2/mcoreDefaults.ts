import type { Nemo2Value } from './tableTypes';

/**
 * Megatron-core TransformerConfig defaults of the fields the reader and the layout read when no NeMo
 * class in the config's chain sets them (NVIDIA/Megatron-LM@d98e8a64
 * megatron/core/transformer/transformer_config.py, the version the NeMo 1.x reader cites; the
 * generated table holds the NeMo classes only). Count: ffn_hidden_size None → 4·hidden, kv_channels
 * None → hidden/heads, num_query_groups None → heads. Layout: dropout 0.1 each, no recompute,
 * recompute_modules ["core_attn"], no CPU offloading, no FP8.
 */
export const MCORE_DEFAULTS: Readonly<Record<string, Nemo2Value>> = {
  num_query_groups: null,
  kv_channels: null,
  ffn_hidden_size: null,
  add_bias_linear: true,
  add_qkv_bias: false,
  gated_linear_unit: false,
  normalization: 'LayerNorm',
  qk_layernorm: false,
  num_moe_experts: null,
  multi_latent_attention: false,
  mtp_num_layers: null,
  hidden_dropout: 0.1,
  attention_dropout: 0.1,
  recompute_granularity: null,
  recompute_method: null,
  recompute_num_layers: null,
  recompute_modules: null,
  cpu_offloading: false,
  fp8: null,
};
