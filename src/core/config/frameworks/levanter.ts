import type { FrameworkReader } from '../reader';

/** Placeholder until the levanter reader lands: recognizes nothing. */
export const levanterReader: FrameworkReader = {
  id: 'levanter',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
