import type { FrameworkReader } from '../reader';

/** Placeholder until the hf-config reader lands: recognizes nothing. */
export const hfConfigReader: FrameworkReader = {
  id: 'hf-config',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
