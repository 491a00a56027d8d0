// How many runs the properties make: WEFT_PROPERTY_RUNS multiplies each property's default (1 when
// unset), so a long soak and a quick CI run use the same properties.
function runsScale(): number {
  const text = process.env.WEFT_PROPERTY_RUNS;
  if (text === undefined || text === "") return 1;
  const scale = Number(text);
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`WEFT_PROPERTY_RUNS must be a positive number (a multiplier of the runs), got "${text}"`);
  }
  return scale;
}

export const runsScaleFromEnv = runsScale();
