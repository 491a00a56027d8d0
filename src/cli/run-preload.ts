// Loaded with `--import` into the script `weft run` starts, so the script can import "weft".
import { resolveWeftSpecifier } from "../task/weft-specifier.ts";

resolveWeftSpecifier();
