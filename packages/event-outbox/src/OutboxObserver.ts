/**
 * What the delivery worker tells an observer (metrics, for instance): each batch it sends upstream, and the events
 * delivered and dead-lettered. By default nobody listens.
 *
 * @since 0.2.0
 */
import { Context } from "effect"

export interface OutboxObserverShape {
  /** A batch of `size` events went to Schematic (a refused batch is sent again in halves, each a batch). */
  readonly batchSent: (size: number) => void
  readonly delivered: (count: number) => void
  readonly deadLettered: (count: number) => void
}

/** Listens to nothing: the default. */
export const none: OutboxObserverShape = { batchSent: () => {}, delivered: () => {}, deadLettered: () => {} }

export class OutboxObserver extends Context.Reference<OutboxObserver>()(
  "@schematic-capability/event-outbox/OutboxObserver",
  { defaultValue: () => none }
) {}
