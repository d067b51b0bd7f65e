import type { FrameworkId } from '../core/types';

/** Display names of the frameworks (status item, law picker). */
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

/** A framework id's display name (ids from newer servers fall back to themselves). */
export function frameworkLabel(id: string): string {
  return (FRAMEWORK_LABELS as Record<string, string>)[id] ?? id;
}
