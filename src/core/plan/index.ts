/**
 * Planning: compute-optimal runs (Hoffmann et al. 2022), inference-aware and cost-optimal runs
 * (Sardana et al. 2024), and architecture suggestions for a planned N. Pure functions; errors are
 * {@link PlanOutcome} values.
 */
export * from './budget';
export * from './computeOptimal';
export * from './inferenceAware';
export * from './architecture';
export * from './hyperparameters';
export * from './dataConstrained';
export { findRoot, expandBracket, minimizeBounded } from '../math/solve';
