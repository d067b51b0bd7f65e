import type { FrameworkReader } from '../reader';

/** Placeholder until the llm-foundry reader lands: recognizes nothing. */
export const llmFoundryReader: FrameworkReader = {
  id: 'llm-foundry',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
