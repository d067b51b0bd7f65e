/**
 * Tokens per optimizer step from the run configs next to a runs file, to prefill the fit command's
 * "tokens per step" input box when a log has steps but no token counts (W&B exports, trainer_state.json).
 * Uses the same config readers as the language server's analysis (src/core/config/registry.ts), run
 * in the fit worker so the extension host does not bundle them. Never throws.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRunConfig } from '../core/config/registry';

/** What the configs say, for the input box. */
export interface TokensPerStepSuggestion {
  /** Tokens per step at full batch, or null when no config states it. */
  value: number | null;
  /** Config file (name) the value comes from. */
  source?: string;
  /** How it was derived (e.g. "global batch 512 × sequence 2048"), or why there is none. */
  detail: string;
}

const CONFIG_FILE = /\.(py|ya?ml|toml|json|sh)$/i;
const MAX_CONFIG_BYTES = 1 << 20;
const MAX_FILES = 200;

/** Suggestion from config texts (pure; `files` as {name, text}). Disagreeing configs give none. */
export function tokensPerStepFromConfigs(
  files: readonly { name: string; text: string }[],
): TokensPerStepSuggestion {
  const found: { name: string; value: number; detail: string }[] = [];
  for (const file of files) {
    const result = readRunConfig(file.text, { path: file.name });
    if (result.kind !== 'run-config') continue;
    const t = result.spec.training;
    const value =
      t.tokensPerStep ?? (t.globalBatchSeqs && t.seqLen ? t.globalBatchSeqs * t.seqLen : undefined);
    if (!(value !== undefined && Number.isFinite(value) && value > 0)) continue;
    const detail =
      t.globalBatchSeqs && t.seqLen
        ? `global batch ${t.globalBatchSeqs} × sequence length ${t.seqLen} in ${file.name}`
        : `tokens per step stated by ${file.name}`;
    found.push({ name: file.name, value, detail });
  }
  if (found.length === 0)
    return { value: null, detail: 'no run config beside the runs file states the batch and sequence length' };
  const distinct = [...new Set(found.map((f) => f.value))];
  if (distinct.length > 1)
    return {
      value: null,
      detail: `the configs disagree (${found.map((f) => `${f.name}: ${f.value}`).join(', ')}); type the right one`,
    };
  return { value: found[0].value, source: found[0].name, detail: `${found[0].detail} (at full batch)` };
}

/** Suggestion from the configs in the folder of `runsPath` (a file) or in `runsPath` (a folder). */
export function suggestTokensPerStep(runsPath: string): TokensPerStepSuggestion {
  let dir = runsPath;
  try {
    if (!statSync(runsPath).isDirectory()) dir = dirname(runsPath);
  } catch (error) {
    return { value: null, detail: `cannot read ${runsPath}: ${(error as Error).message}` };
  }
  const files: { name: string; text: string }[] = [];
  try {
    for (const name of readdirSync(dir).sort().slice(0, MAX_FILES)) {
      if (!CONFIG_FILE.test(name) || name.startsWith('.') || name === 'trainer_state.json') continue;
      const path = join(dir, name);
      const stat = statSync(path);
      if (!stat.isFile() || stat.size > MAX_CONFIG_BYTES) continue;
      files.push({ name, text: readFileSync(path, 'utf8') });
    }
  } catch (error) {
    return { value: null, detail: `cannot list ${dir}: ${(error as Error).message}` };
  }
  return tokensPerStepFromConfigs(files);
}
