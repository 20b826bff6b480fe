/**
 * @since 0.1.0
 */
export * as DeliveryWorker from "./DeliveryWorker.js"
export * as EventOutbox from "./EventOutbox.js"
export * as OutboxObserver from "./OutboxObserver.js"
export * as OutboxStore from "./OutboxStore.js"
export * as PgOutboxStore from "./PgOutboxStore.js"
export * as SqliteOutboxStore from "./SqliteOutboxStore.js"
