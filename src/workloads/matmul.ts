// matmul: C = A·B for dense n×n matrices, one block of rows per item. A and B live on a SharedArrayBuffer, so
// threads read them in place (processes get copies). Each element of C sums its products in the same order
// whichever block computes it, so the parallel C must equal the sequential one exactly: the tolerance is zero.
import type { Pool } from "../pool/pool.ts";
import { multiplyRows, randomMatrix } from "./kernels/matmul.ts";
import { checkSize } from "./size.ts";
import * as tasks from "./tasks.ts";
import type { RowBlock } from "./tasks.ts";
import type { Workload } from "./workload.ts";

/** An n×n matrix, row-major. */
export interface Matrix {
  readonly n: number;
  readonly values: Float64Array;
}

const name = "matmul";
const counts = "the matrices' side";
// Tens of milliseconds of work per block at the default size: many more blocks than workers, each worth sending.
const rowsPerBlock = 16;
const seedA = 0xa;
const seedB = 0xb;

function rowBlocks(n: number): RowBlock[] {
  const a = randomMatrix(n, seedA);
  const b = randomMatrix(n, seedB);
  const blocks: RowBlock[] = [];
  for (let rowStart = 0; rowStart < n; rowStart += rowsPerBlock) {
    blocks.push({ a, b, n, rowStart, rowEnd: Math.min(rowStart + rowsPerBlock, n) });
  }
  return blocks;
}

function assemble(n: number, blocks: readonly Float64Array[]): Matrix {
  const values = new Float64Array(n * n);
  let offset = 0;
  for (const block of blocks) {
    values.set(block, offset);
    offset += block.length;
  }
  return { n, values };
}

export const matmul: Workload<Matrix> = {
  name,
  summary:
    "dense n×n matrix product, cache-blocked, inputs shared between threads: equal items, exact answer",
  unit: "row blocks",
  defaultSize: 1_200,
  quickSize: 200,
  describe(size) {
    const n = checkSize(name, size, counts);
    return `${n.toLocaleString("en-US")}×${n.toLocaleString("en-US")} matrix product`;
  },
  items: (size) => Math.ceil(checkSize(name, size, counts) / rowsPerBlock),
  sequential(size) {
    const n = checkSize(name, size, counts);
    return assemble(
      n,
      rowBlocks(n).map((block) => multiplyRows(block.a, block.b, n, block.rowStart, block.rowEnd)),
    );
  },
  async parallel(pool: Pool, size, _knobs, options = {}) {
    const n = checkSize(name, size, counts);
    return assemble(n, await pool.from(rowBlocks(n)).map(tasks.multiplyBlock).options(options).collect());
  },
  mismatch(expected, got) {
    const { n } = expected;
    if (got.n !== n || got.values.length !== n * n) {
      return `a ${got.n}×${got.n} matrix with ${got.values.length} values, expected ${n}×${n} (${n * n} values)`;
    }
    for (let i = 0; i < n * n; i++) {
      if (!Object.is(got.values[i], expected.values[i])) {
        const [row, column] = [Math.floor(i / n), i % n];
        return `C[${row}][${column}] is ${got.values[i]}, expected ${expected.values[i]}`;
      }
    }
    return undefined;
  },
};
