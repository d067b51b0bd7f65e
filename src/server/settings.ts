/**
 * Per-resource settings pulled from the client (`workspace/configuration`, section `scalingLens`)
 * and normalized in one place (src/protocol.ts). Nothing is kept in module globals: each document
 * asks for its own scope, so folder-level settings in a multi-root workspace apply.
 */
import { normalizeSettings, type RawSettings, type ScalingLensSettings } from '../protocol';

/** The section every Scaling Lens setting lives under. */
export const SETTINGS_SECTION = 'scalingLens';

/** How the store reaches the client: a `workspace/configuration` pull, or none. */
export type ConfigurationPull = (scopeUri: string | undefined) => Promise<unknown>;

/** Caches normalized settings per resource and exposes when the first pull has finished. */
export class SettingsStore {
  private readonly cache = new Map<string, Promise<ScalingLensSettings>>();
  /** Settings pushed by clients without `workspace/configuration` (didChangeConfiguration payload). */
  private pushed: ScalingLensSettings = normalizeSettings(undefined);
  private firstPullDone!: () => void;
  /** Resolves once the first settings pull (or the decision not to pull) is done; lens and hover requests wait on it. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.firstPullDone = resolve));

  constructor(private pull: ConfigurationPull | undefined) {}

  /** Enable pulling once the client said it supports `workspace/configuration` (after `initialized`). */
  setPull(pull: ConfigurationPull | undefined): void {
    this.pull = pull;
    this.cache.clear();
  }

  /** Mark the first pull done: call after `initialized` pulled the global scope (or when pulls are unsupported). */
  async warmUp(): Promise<void> {
    try {
      if (this.pull) await this.get(undefined);
    } finally {
      this.firstPullDone();
    }
  }

  /** Normalized settings for a resource (undefined = window scope). Never rejects. */
  get(scopeUri: string | undefined): Promise<ScalingLensSettings> {
    if (!this.pull) return Promise.resolve(this.pushed);
    const key = scopeUri ?? '';
    let entry = this.cache.get(key);
    if (!entry) {
      const pull = this.pull;
      entry = pull(scopeUri).then(
        (raw) => normalizeSettings(isObject(raw) ? (raw as RawSettings) : undefined),
        // A client that fails the pull gets defaults; the next configuration change retries.
        () => {
          this.cache.delete(key);
          return normalizeSettings(undefined);
        },
      );
      this.cache.set(key, entry);
    }
    return entry;
  }

  /** Forget cached values (didChangeConfiguration); `pushedSettings` is the notification's payload, if any. */
  invalidate(pushedSettings?: unknown): void {
    this.cache.clear();
    if (isObject(pushedSettings) && isObject((pushedSettings as Record<string, unknown>)[SETTINGS_SECTION])) {
      this.pushed = normalizeSettings((pushedSettings as Record<string, RawSettings>)[SETTINGS_SECTION]);
    }
  }

  /** Drop one resource's cached entry (document closed). */
  forget(scopeUri: string): void {
    this.cache.delete(scopeUri);
  }
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
