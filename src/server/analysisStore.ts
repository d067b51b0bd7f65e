/**
 * Per-document analysis scheduling: debounced while typing, run at once when a request needs the
 * current version, stale results dropped, and the last good result kept while the file is
 * half-typed so lenses do not flicker. One document's failure never touches another's state.
 */
import { isGood, type DocumentResult } from './model';

/** What the store needs from the server. */
export interface AnalysisStoreDeps {
  /** The document's current version and text, or undefined when it is closed. */
  document(uri: string): { version: number; text: string } | undefined;
  /** Analyze the current version. Must not throw (crashes become `crashed` results). */
  analyze(uri: string): Promise<DocumentResult>;
  /** Called with each fresh result, in version order. */
  onResult(uri: string, state: Readonly<DocumentState>): void;
  /** Debounce after an edit, in milliseconds. */
  debounceMs: number;
}

/** The results kept for one open document. */
export interface DocumentState {
  /** The most recent result (may be a broken, half-typed version). */
  latest?: DocumentResult;
  /** The most recent result that had a parameter count. */
  lastGood?: DocumentResult;
  timer?: ReturnType<typeof setTimeout>;
  /**
   * The store's own count of content changes (monotonic across documents and reopenings). The
   * client's version numbers cannot tell texts apart: a client may repeat a version or send an
   * older one, and the text still changes.
   */
  revision: number;
  /** The revision `latest` was computed from. */
  analyzedRevision?: number;
  /** Settings or saved laws changed since `latest`. */
  dirty: boolean;
  /** Serializes analyses of this document. */
  chain: Promise<void>;
}

export class AnalysisStore {
  private readonly states = new Map<string, DocumentState>();
  private revisions = 0;

  constructor(private readonly deps: AnalysisStoreDeps) {}

  /** Schedule an analysis: immediately for a newly opened document, debounced after edits. */
  schedule(uri: string): void {
    let state = this.states.get(uri);
    const first = !state;
    if (!state) {
      state = { dirty: false, chain: Promise.resolve(), revision: 0 };
      this.states.set(uri, state);
    }
    state.revision = ++this.revisions;
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.run(uri), first ? 0 : this.deps.debounceMs);
  }

  /** Forget a closed document. */
  close(uri: string): void {
    const state = this.states.get(uri);
    if (state?.timer) clearTimeout(state.timer);
    this.states.delete(uri);
  }

  /** Re-analyze every open document (settings or saved laws changed). */
  invalidateAll(): void {
    for (const [uri, state] of this.states) {
      state.dirty = true;
      if (state.timer) clearTimeout(state.timer);
      state.timer = setTimeout(() => void this.run(uri), 0);
    }
  }

  /** Open document URIs. */
  uris(): string[] {
    return [...this.states.keys()];
  }

  /** The document's state once its current version is analyzed (running a pending analysis now). */
  async settled(uri: string): Promise<DocumentState | undefined> {
    // The answer is about the text as it was when asked, or newer: edits landing while we wait
    // never make us answer with an older result. Settings changes are caught up a few rounds.
    const target = this.states.get(uri)?.revision ?? 0;
    for (let round = 0; round < 4; round++) {
      const state = this.states.get(uri);
      if (!state || !this.deps.document(uri)) return state;
      // An analysis already running (a debounce or settings timer fired) may have cleared `dirty`
      // without having a result yet: wait for it rather than answer with the result before it.
      await state.chain;
      if (this.states.get(uri) !== state || !this.deps.document(uri)) return this.states.get(uri);
      if (!state.dirty && (state.analyzedRevision ?? -1) >= Math.min(target, state.revision)) return state;
      await this.run(uri);
    }
    return this.states.get(uri);
  }

  /** True when the latest result was computed from the document's current text and settings. */
  current(uri: string): boolean {
    const state = this.states.get(uri);
    return !!state && !state.dirty && state.analyzedRevision === state.revision;
  }

  /** The state as last computed, without waiting. */
  peek(uri: string): DocumentState | undefined {
    return this.states.get(uri);
  }

  private run(uri: string): Promise<void> {
    const state = this.states.get(uri);
    if (!state) return Promise.resolve();
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    const task = state.chain.then(async () => {
      const doc = this.deps.document(uri);
      if (!doc || this.states.get(uri) !== state) return;
      if (!state.dirty && state.analyzedRevision === state.revision) return;
      const wasDirty = state.dirty;
      state.dirty = false;
      // analyze() reads the text synchronously before its first await: this is its revision.
      const revision = state.revision;
      let result: DocumentResult;
      try {
        result = await this.deps.analyze(uri);
      } catch {
        // analyze() reports crashes as results; this guards the store against a contract breach.
        return;
      }
      const now = this.deps.document(uri);
      if (this.states.get(uri) !== state || !now) return;
      // A newer edit may have arrived while we were analyzing. The result is still newer than
      // `latest`, so it replaces it (a request made before that edit must not get an older answer);
      // the newer edit's own timer analyzes it next.
      state.latest = result;
      state.analyzedRevision = revision;
      if (isGood(result)) state.lastGood = result;
      // An emptied file really is not a run config any more; anything else may be half-typed.
      else if (!doc.text.trim() || (state.lastGood && wasDirty)) state.lastGood = undefined;
      this.deps.onResult(uri, state);
    });
    state.chain = task.catch(() => undefined);
    return task;
  }
}

/**
 * The result views should show: the latest when it is good, else the last good one (with the
 * latest settings so switches apply at once), else the latest.
 */
export function viewResult(state: DocumentState | undefined): DocumentResult | undefined {
  if (!state) return undefined;
  const { latest, lastGood } = state;
  if (isGood(latest)) return latest;
  if (lastGood) return latest ? { ...lastGood, settings: latest.settings } : lastGood;
  return latest;
}
