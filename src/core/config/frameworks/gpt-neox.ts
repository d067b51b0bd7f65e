import type { FrameworkReader } from '../reader';

/** Placeholder until the gpt-neox reader lands: recognizes nothing. */
export const gptNeoxReader: FrameworkReader = {
  id: 'gpt-neox',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
