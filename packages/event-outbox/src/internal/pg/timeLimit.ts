/**
 * Time limits on the PostgreSQL store's queries: a database that is down or cut off fails a request within its
 * limit, as a storage failure, instead of holding it while the client reconnects.
 */

/** A query that can be called off: cancelled in the database, or taken from the client's queue if not yet sent. */
export type Cancellable = { readonly cancel?: () => unknown }

export const cancel = (query: Cancellable): void => {
  // A cancel request goes on a connection of its own, which fails while the database is down: nothing to do then.
  Promise.resolve(query.cancel?.()).catch(() => {})
}

/**
 * Waits for a query (or a transaction) at most `millis`: past it, the caller hears that the database did not answer,
 * and the work is called off (`callOff`). Work that had already committed stays done: every write of the store is
 * one a retry repeats safely (an event's key is stored once).
 */
export const bounded = <A>(work: PromiseLike<A>, millis: number, callOff: () => void = () => {}): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      callOff()
      reject(new Error(`the database did not answer within ${millis} ms`))
    }, millis)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

/** Runs a query (or a few, in a function), called off past `millis`. */
export const within = <A>(run: () => PromiseLike<A> & Cancellable, millis: number): Promise<A> => {
  const running = run()
  return bounded(running, millis, () => cancel(running))
}
