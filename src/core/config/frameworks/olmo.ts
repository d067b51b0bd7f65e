import type { FrameworkReader } from '../reader';

/** Placeholder until the olmo reader lands: recognizes nothing. */
export const olmoReader: FrameworkReader = {
  id: 'olmo',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
