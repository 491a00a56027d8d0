// Which JavaScript runtime this is, where weft must behave differently: Bun and Deno load TypeScript
// modules themselves, so weft registers no TypeScript loader there (tsx's hooks are Node's).

/** True on Bun and Deno, which import `.ts` modules without a loader. */
export function readsTypeScript(): boolean {
  return "Bun" in globalThis || "Deno" in globalThis;
}
