import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults } from '../../../model/layout';

/**
 * Layout defaults as gpt-neox defines them, where they differ from the generic ones. There is no layout
 * reader for gpt-neox files yet, so these wait for one (memory is not estimated without a layout).
 */
export const gptNeoxLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  dropout: true,
  source: 'GPT-NeoX neox_arguments defaults (DeepSpeed ZeRO stage 0, dropout 0.0–0.1 per config, fp16 mixed)',
};
