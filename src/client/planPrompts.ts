import { DEFAULT_SETTINGS } from '../protocol';

/** Hardware the plan prompts mention; absent fields are the analysis defaults. */
export interface PromptHardware {
  gpu?: string;
  mfu?: number;
}

/**
 * The budget prompt of **Plan Compute-Optimal Run…**: it names the hardware and MFU the budget is
 * converted with, which are the analysis defaults (one place: `DEFAULT_SETTINGS`) unless set.
 * Built by the server (PlanContext.budgetPrompt), so the extension host bundles no settings defaults.
 */
export function budgetPrompt(hardware: PromptHardware): string {
  const gpu = hardware.gpu ?? DEFAULT_SETTINGS.hardware.gpu;
  const mfu = hardware.mfu ?? DEFAULT_SETTINGS.hardware.mfu;
  return `Training budget (hardware from settings: ${gpu}, MFU ${mfu})`;
}
