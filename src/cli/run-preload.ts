// Loaded with `--import` into the script `weft run` starts, so the script can import "weft".
import { installScriptHooks } from "../task/script-loading.ts";

installScriptHooks();
