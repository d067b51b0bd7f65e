import { GENERIC_LAYOUT_DEFAULTS, type LayoutDefaults } from '../../../model/layout';

/**
 * Layout defaults as deepspeed defines them, where they differ from the generic ones. There is no layout
 * reader for deepspeed files yet, so these wait for one (memory is not estimated without a layout).
 */
export const deepspeedLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  source: 'DeepSpeed: zero_optimization.stage 0 unless set; fp16/bf16 mixed with fp32 master',
};
