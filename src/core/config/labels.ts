import type { FrameworkId } from '../types';

/**
 * Display names of the frameworks. The server sends them with every snapshot and document kind, so
 * the client holds no list of frameworks (a new framework needs no client change).
 */
export const FRAMEWORK_LABELS: Record<FrameworkId, string> = {
  nanogpt: 'nanoGPT',
  litgpt: 'LitGPT',
  torchtitan: 'torchtitan',
  'gpt-neox': 'GPT-NeoX',
  olmo: 'OLMo',
  'llm-foundry': 'LLM Foundry',
  maxtext: 'MaxText',
  megatron: 'Megatron-LM',
  levanter: 'Levanter',
  'hf-config': 'Hugging Face config',
  deepspeed: 'DeepSpeed',
  torchtune: 'torchtune',
  axolotl: 'Axolotl',
  nanotron: 'nanotron',
  nemo: 'NeMo',
  'olmo-core': 'OLMo-core',
};

/** A framework id's display name (an unknown id falls back to itself). */
export function frameworkLabel(id: string): string {
  return (FRAMEWORK_LABELS as Record<string, string>)[id] ?? id;
}
