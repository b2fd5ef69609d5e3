import type { HistoryEvent } from '../proto/orchestrator_service_pb.js';

/**
 * The histories of instances whose turns this process committed, so the next turn of such an
 * instance neither reads nor decodes its history again (ARCHITECTURE.md "One turn", step 2).
 *
 * An entry is valid only for the history version it was stored with: a work item whose
 * `historyVersion` differs (another process committed a turn, the instance was replaced, the
 * backend does not report versions) misses and reads from the store. Bounded by instance count
 * and by the total number of events held; the least recently used entries go first. A history
 * larger than the whole event budget is not kept.
 *
 * The arrays handed out are owned by the cache: callers read them and never keep or change them
 * (the turn runner appends a committed turn's events through `append`).
 */

export interface HistoryCacheLimits {
  /** Most instances held. */
  readonly maxInstances: number;
  /** Most events held over all instances. */
  readonly maxEvents: number;
}

interface Entry {
  readonly version: string;
  readonly history: HistoryEvent[];
}

export class HistoryCache {
  readonly #limits: HistoryCacheLimits;
  /** In least-recently-used-first order (a Map iterates in insertion order). */
  readonly #entries = new Map<string, Entry>();
  #events = 0;

  constructor(limits: HistoryCacheLimits) {
    this.#limits = limits;
  }

  /** The history stored with exactly `version`, or undefined (a stale entry is dropped). */
  get(instanceId: string, version: string | undefined): readonly HistoryEvent[] | undefined {
    const entry = this.#entries.get(instanceId);
    if (!entry) return undefined;
    this.#remove(instanceId, entry);
    if (version === undefined || entry.version !== version) return undefined;
    this.#entries.set(instanceId, entry); // most recently used now
    this.#events += entry.history.length;
    return entry.history;
  }

  /**
   * Records the history an instance has at `version`: `previous` (the history the turn started
   * from, as returned by `get` or read from the store) followed by `added`, or `added` alone when
   * the turn replaced the history. `previous` is taken over, not copied.
   */
  store(
    instanceId: string,
    version: string,
    previous: readonly HistoryEvent[],
    added: readonly HistoryEvent[],
    replaced: boolean,
  ): void {
    const old = this.#entries.get(instanceId);
    if (old) this.#remove(instanceId, old);
    const history = replaced ? [...added] : (previous as HistoryEvent[]);
    if (!replaced) for (const event of added) history.push(event);
    if (history.length > this.#limits.maxEvents) return;
    this.#entries.set(instanceId, { version, history });
    this.#events += history.length;
    this.#evict();
  }

  /** Forgets an instance (a failed or abandoned turn: its version may no longer be the store's). */
  delete(instanceId: string): void {
    const entry = this.#entries.get(instanceId);
    if (entry) this.#remove(instanceId, entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Events held over all entries. */
  get eventCount(): number {
    return this.#events;
  }

  #remove(instanceId: string, entry: Entry): void {
    this.#entries.delete(instanceId);
    this.#events -= entry.history.length;
  }

  #evict(): void {
    for (const [instanceId, entry] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxInstances && this.#events <= this.#limits.maxEvents) return;
      this.#remove(instanceId, entry);
    }
  }
}
