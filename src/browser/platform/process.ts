// The `process` global in a web page, as far as the pool and the worker runtime use it: warnings go
// to the console, and there is no environment.

export const process = {
  env: {} as Record<string, string | undefined>,
  emitWarning(warning: string | Error): void {
    console.warn(typeof warning === "string" ? warning : warning.message);
  },
};
