"""Dask's side of `npm run bench:data -- --csv`: one aggregation over a CSV dataset, by Dask bag or by
Dask dataframe, on a warm pool of worker processes.

Run with Debian's python3-dask (`apt-get install -y python3-dask`), by its interpreter:

    /usr/bin/python3 bench/data/dask_csv.py --dir DIR --engine bag|dataframe --workers 2

It starts the pool and runs one small computation on it before the clock starts (weft's pool is
started before its clock too), then runs the query once and prints one JSON line: the seconds it
took, the answer (count and sum of `value` per `category`) and the peak RSS of this process and of
each worker process. Scheduler: dask's multiprocessing scheduler (`scheduler="processes"`, the
default for bags) on a pool of `--workers` processes started with the spawn context, dask's default.

- bag: `read_text`, each line split at its commas (the dataset has no quoted fields), `foldby`:
  the bag of the large-data benchmark, on CSV.
- dataframe: `read_csv` of the two columns (pandas' C parser), `groupby(...).agg(["count", "sum"])`:
  what a Dask user reaches for on CSV.
"""

import argparse
import glob
import json
import multiprocessing
import os
import sys
import time

import dask
import dask.bag as db
import dask.dataframe as dd

# Fields of the dataset, as bench/data/csv-query.ts writes them: id,name,value,category,ts,hash.
VALUE, CATEGORY = 2, 3


def pair_of(line):
    fields = line.split(",", 4)
    return fields[CATEGORY], float(fields[VALUE])


def is_record(line):
    return not line.startswith("id,")


def add_pair(total, pair):
    return (total[0] + 1, total[1] + pair[1])


def add_totals(a, b):
    return (a[0] + b[0], a[1] + b[1])


def by_bag(files, blocksize):
    lines = db.read_text(files, blocksize=blocksize, encoding="utf-8")
    pairs = lines.filter(is_record).map(pair_of)
    totals = pairs.foldby(lambda pair: pair[0], add_pair, (0, 0.0), add_totals, (0, 0.0)).compute()
    return {category: {"count": count, "sum": total} for category, (count, total) in totals}


def by_dataframe(files, blocksize):
    frame = dd.read_csv(files, usecols=["category", "value"], blocksize=blocksize)
    totals = frame.groupby("category")["value"].agg(["count", "sum"]).compute()
    return {
        str(category): {"count": int(row["count"]), "sum": float(row["sum"])}
        for category, row in totals.iterrows()
    }


def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def warm(_):
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--engine", choices=["bag", "dataframe"], required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    files = sorted(glob.glob(os.path.join(args.dir, "*.csv")))
    sizes = [os.path.getsize(f) for f in files]
    # About 16 partitions for two workers, as the large-data benchmark gives Dask bag.
    blocksize = min(64 * 2**20, max(2**20, sum(sizes) // 16 + 1))
    # As dask does for the pools it starts itself: the same string hashes in every worker.
    os.environ.setdefault("PYTHONHASHSEED", "6640")
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        dask.config.set(scheduler="processes", pool=pool)
        # Every worker process up and its imports done before the clock starts.
        db.from_sequence(range(args.workers * 4), npartitions=args.workers * 4).map(warm).compute()
        started = time.perf_counter()
        answer = (by_bag if args.engine == "bag" else by_dataframe)(files, blocksize)
        seconds = time.perf_counter() - started
        workers = [p.pid for p in pool._pool]  # pylint: disable=protected-access
        peak = peak_rss_mb("self") + sum(peak_rss_mb(pid) for pid in workers)
    sys.stdout.write(
        json.dumps(
            {
                "seconds": seconds,
                "peakMb": peak,
                "answer": answer,
                "dask": dask.__version__,
                "python": sys.version.split()[0],
                "partitions": sum(-(-size // blocksize) for size in sizes),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
