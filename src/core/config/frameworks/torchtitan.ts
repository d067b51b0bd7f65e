import type { FrameworkReader } from '../reader';

/** Placeholder until the torchtitan reader lands: recognizes nothing. */
export const torchtitanReader: FrameworkReader = {
  id: 'torchtitan',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
