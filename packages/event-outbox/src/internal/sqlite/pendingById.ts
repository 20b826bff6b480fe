/**
 * Callbacks awaiting the outbox thread's answers, by request id.
 *
 * Not a `Map`. Requests come and go by the thousand a second, so a Map's table grows and shrinks again and again, and
 * V8 links each table it leaves to the one that replaces it (so that an iterator can follow). Once a full collection
 * has moved the table into the old heap, that link keeps the next table alive through young-generation collections,
 * and that one the next: every table from then on, with the callbacks it held and the requests they close over, is
 * copied into the old heap until the next full collection, which starts it over. Under load that was most of what
 * the server promoted. An object keyed by integers keeps its entries in a dictionary that is rebuilt without such a
 * link.
 */
export class PendingById<V> {
  private entries: Record<number, V> = Object.create(null)
  private count = 0

  get size(): number {
    return this.count
  }

  set(id: number, value: V): void {
    if (!(id in this.entries)) this.count++
    this.entries[id] = value
  }

  /** The entry of `id`, removed; undefined when there is none. */
  take(id: number): V | undefined {
    if (!(id in this.entries)) return undefined
    const value = this.entries[id]
    delete this.entries[id]
    this.count--
    return value
  }

  ids(): ReadonlyArray<number> {
    return Object.keys(this.entries).map(Number)
  }
}
