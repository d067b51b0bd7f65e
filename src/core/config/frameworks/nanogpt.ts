import type { FrameworkReader } from '../reader';

/** Placeholder until the nanogpt reader lands: recognizes nothing. */
export const nanogptReader: FrameworkReader = {
  id: 'nanogpt',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
