import type { FrameworkReader } from '../reader';

/** Placeholder until the megatron reader lands: recognizes nothing. */
export const megatronReader: FrameworkReader = {
  id: 'megatron',
  detect: () => 0,
  read: () => ({ kind: 'not-a-run-config' }),
};
