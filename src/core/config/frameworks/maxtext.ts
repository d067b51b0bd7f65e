import type { FrameworkReader } from '../reader';

/** Placeholder until the maxtext reader lands: recognizes nothing. */
export const maxtextReader: FrameworkReader = {
  id: 'maxtext',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
