import type { ArchitectureSpec } from '../../../types';
import { findCheckpoint } from '../../tables/checkpoints';
import { HF_OVERRIDE_KEYS } from './inventory';

/**
 * Hugging Face models that llm-foundry's `hf_causal_lm` recipes name in
 * `pretrained_model_name_or_path`. The rows live in the shared checkpoint table
 * (tables/checkpoints.ts); this keeps the older lookup for code that still calls it, limited to
 * the model types whose `config_overrides` keys llm-foundry knows (`HF_OVERRIDE_KEYS`, kept in
 * inventory.ts).
 */
export interface HfModelRow {
  /** HF `model_type`, which decides how `config_overrides` keys map onto the architecture. */
  modelType: string;
  architecture: ArchitectureSpec;
  source: string;
}

export { HF_OVERRIDE_KEYS };

/** The row for a hub id (or a path ending in one), when its model_type has override keys. */
export function findHfModel(name: string): HfModelRow | undefined {
  const row = findCheckpoint(name);
  if (!row || !Object.hasOwn(HF_OVERRIDE_KEYS, row.modelType)) return undefined;
  return { modelType: row.modelType, architecture: row.architecture, source: row.source };
}
