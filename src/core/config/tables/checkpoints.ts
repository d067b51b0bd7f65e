import type { ArchitectureSpec } from '../../types';
import { HF_MODELS } from '../frameworks/llm-foundry.hf-models';

/**
 * Open checkpoints that configs name (`pretrained_model_name_or_path`, `base_model`,
 * `checkpoint_dir`, Levanter `use_hf_model_config`, torchtune `_component_` builders), each with the
 * architecture its config.json describes and the source of every number. One table for every
 * reader; `findCheckpoint` accepts a hub id, a local path ending in one, any case.
 */
export interface CheckpointRow {
  /** Hub id as published, e.g. `meta-llama/Llama-3.1-8B`. */
  id: string;
  /** HF `model_type` of its config.json. */
  modelType: string;
  architecture: ArchitectureSpec;
  /** Where the shape was read (the config.json, or a framework table at a commit). */
  source: string;
}

const rows = new Map<string, CheckpointRow>();

/** Add rows to the table (generated and hand-written tables register here). */
export function registerCheckpoints(list: readonly CheckpointRow[]): void {
  for (const row of list) rows.set(normalize(row.id), row);
}

registerCheckpoints(
  Object.entries(HF_MODELS).map(([id, row]) => ({
    id,
    modelType: row.modelType,
    architecture: row.architecture,
    source: row.source,
  })),
);

function normalize(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/^openai-community\//, '');
}

/**
 * The checkpoint a hub id or a path refers to: the whole string, else its last two path segments
 * (`checkpoints/tiiuae/falcon-7b` → `tiiuae/falcon-7b`), else its last segment (`gpt2`).
 */
export function findCheckpoint(nameOrPath: string): CheckpointRow | undefined {
  const key = normalize(nameOrPath);
  if (!key) return undefined;
  const direct = rows.get(key);
  if (direct) return direct;
  const parts = key.split('/').filter(Boolean);
  if (parts.length >= 2) {
    const lastTwo = rows.get(parts.slice(-2).join('/'));
    if (lastTwo) return lastTwo;
  }
  return parts.length ? rows.get(parts[parts.length - 1]!) : undefined;
}

/** Every row (for tests and the README table). */
export function allCheckpoints(): readonly CheckpointRow[] {
  return [...rows.values()];
}
