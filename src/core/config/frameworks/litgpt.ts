import type { FrameworkReader } from '../reader';

/** Placeholder until the litgpt reader lands: recognizes nothing. */
export const litgptReader: FrameworkReader = {
  id: 'litgpt',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
