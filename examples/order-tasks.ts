// The task a Dask job runs through `weft pipe` in examples/spark-dask.ts: plain JSON in, JSON out.
import { task } from "../src/index.ts";

export interface Order {
  readonly id: number;
  readonly region: string;
  readonly quantity: number;
  readonly cents: number;
}

/** Sales tax by region, in basis points: integers, so Python, Dask and weft agree to the cent. */
const taxBasisPoints: Readonly<Record<string, number>> = { north: 2000, south: 1000, east: 500, west: 0 };

/** An order's total with its region's tax, in whole cents (rounded half up). */
export const orderTotal = task(import.meta.url, (order: Order) => {
  const net = order.quantity * order.cents;
  const tax = Math.floor((net * (taxBasisPoints[order.region] ?? 0) + 5_000) / 10_000);
  return { id: order.id, region: order.region, total: net + tax };
});
