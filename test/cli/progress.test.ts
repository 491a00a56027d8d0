// The progress display: a bar on a terminal, plain periodic lines elsewhere.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { formatRate, progressDisplay } from "../../src/cli/progress.ts";

/** A stream that records what is written; `tty` makes it look like a terminal to cli-progress. */
function recorder(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & Record<string, unknown>;
  if (tty) {
    Object.assign(stream, {
      isTTY: true,
      columns: 120,
      cursorTo: (_x: number, _y?: number, callback?: () => void) => (callback?.(), true),
      clearLine: (_dir: number, callback?: () => void) => (callback?.(), true),
      moveCursor: (_dx: number, _dy: number, callback?: () => void) => (callback?.(), true),
      clearScreenDown: (callback?: () => void) => (callback?.(), true),
    });
  }
  return { stream, text: () => text };
}

/** Runs `fn` with the CI variable set or cleared, as a terminal session or a CI job would have it. */
function withCi<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

test("off a terminal, progress is plain lines with the share done, the rate and the time left", () => {
  const out = recorder(false);
  const progress = progressDisplay({ stream: out.stream, lineEveryMs: 0 });
  progress.start("primes on 2 threads", 1_000_000, "numbers");
  progress.update(250_000, 500_000);
  progress.update(1_000_000, 500_000); // the end is reported by finish, not as a progress line
  progress.finish("primes on 2 threads: 2.00 s");
  assert.equal(
    out.text(),
    "primes on 2 threads: 25% (250,000 of 1,000,000 numbers, ETA 2 s, 500.0K numbers/s)\n" +
      "primes on 2 threads: 2.00 s\n",
  );
});

test("plain lines come at most once per interval", () => {
  const out = recorder(false);
  const progress = progressDisplay({ stream: out.stream, lineEveryMs: 60_000 });
  progress.start("job", 100, "items");
  for (let done = 1; done < 100; done++) progress.update(done, 10);
  assert.equal(out.text(), "", "no line before the interval has passed");
});

test("a terminal gets a bar, even when CI is set it gets plain lines", () => {
  const terminal = recorder(true);
  withCi(undefined, () => {
    const progress = progressDisplay({ stream: terminal.stream });
    progress.start("counting", 200, "numbers");
    try {
      progress.update(100, 1500);
    } finally {
      // The bar redraws on a timer until it is finished, which would keep the test process alive.
      progress.finish("counted");
    }
  });
  assert.match(terminal.text(), /counting .*50% \| 100\/200 numbers \| 1\.5K\/s/);
  assert.match(terminal.text(), /counted\n$/);

  const ci = recorder(true);
  withCi("1", () => {
    const progress = progressDisplay({ stream: ci.stream, lineEveryMs: 0 });
    progress.start("counting", 200, "numbers");
    progress.update(100, 1500);
  });
  assert.equal(ci.text(), "counting: 50% (100 of 200 numbers, ETA 1 s, 1.5K numbers/s)\n");
});

test("rates are shortened to K and M", () => {
  assert.deepEqual([formatRate(12), formatRate(12_345), formatRate(12_345_678)], ["12", "12.3K", "12.3M"]);
});
