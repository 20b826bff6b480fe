import { library } from "../../tsup.library.js"

export default library({ entry: ["src/index.ts", "src/bin.ts"], dts: { entry: "src/index.ts" } })
