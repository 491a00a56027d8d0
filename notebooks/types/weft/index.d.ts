export * from "weft/dist/index.js";
