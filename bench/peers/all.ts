// The peer libraries weft is compared with, in the order they run and print.
import type { Peer } from "./peer.ts";
import { piscina } from "./piscina.ts";
import { tinypool } from "./tinypool.ts";
import { workerpool } from "./workerpool.ts";

export const peers: readonly Peer[] = [piscina, tinypool, workerpool];
