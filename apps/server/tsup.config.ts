import { library } from "../../tsup.library.js"

export default library({ entry: ["src/main.ts", "src/mcpStdio.ts", "src/index.ts"], dts: false })
