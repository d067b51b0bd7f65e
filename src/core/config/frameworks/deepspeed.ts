import type { FrameworkReader } from '../reader';

/** Placeholder until the deepspeed reader lands: recognizes nothing. */
export const deepspeedReader: FrameworkReader = {
  id: 'deepspeed',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
