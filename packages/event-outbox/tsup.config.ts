import { library } from "../../tsup.library.js"

// The outbox thread's script is an entry of its own: `SqliteOutboxStore` starts it from `dist/internal/`.
export default library({
  entry: { index: "src/index.ts", "internal/outboxThread": "src/internal/outboxThread.ts" },
  dts: { entry: { index: "src/index.ts" } }
})
