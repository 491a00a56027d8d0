"""Dask bag, the contender of `npm run bench:data` from Python: the same four workloads on the same files.

Run with Debian's python3-dask (`apt-get install -y python3-dask`), by its interpreter:

    /usr/bin/python3 bench/data/dask_bag.py --log access.log --users users.csv --workers 2 --blocksize 67108864

It prints one JSON line saying it is ready (with the versions and settings), then serves requests, one
JSON line each on stdin (`{"workload": "wordcount"}`, ... `{"close": true}`; a warm-up run names other
files: `{"workload": "wordcount", "files": {"log": ..., "users": ...}}`), answering each with one
JSON line: the time, the answer (the same digest as bench/data/answers.ts), and the peak RSS of this
process and of each worker process during the run. Between requests the worker pool stays up, so the
runs are warm, as weft's pool is. Scheduler: dask's multiprocessing scheduler (`scheduler="processes"`,
the default for bags) on a pool of `--workers` processes started with the spawn context, dask's default.
"""

import argparse
import functools
import gc
import itertools
import json
import multiprocessing
import operator
import os
import sys
import time

import dask
import dask.bag as db

# The log's fields, as bench/data/log-format.ts reads them: "time user method route status bytes words...".
# Lines from read_text keep their "\n"; only the last field (the words) reaches it.


def words_of(line):
    return line.rstrip("\n").split(" ", 6)[6].split(" ")


def user_of(line):
    return line.split(" ", 2)[1]


def route_of(line):
    return line.split(" ", 4)[3]


def bytes_of(line):
    return int(line.split(" ", 6)[5])


def add_bytes(total, line):
    return total + bytes_of(line)


# The answer digest of bench/data/answers.ts.


def fnv1a(text):
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def sums_answer(sums):
    return {
        "keys": len(sums),
        "total": sum(sums.values()),
        "checksum": str(sum(fnv1a(k) * v for k, v in sums.items())),
    }


def keys_answer(keys):
    return {"keys": len(keys), "total": len(keys), "checksum": str(sum(fnv1a(k) for k in keys))}


# The workloads: each returns its keyed result and how to digest it.


def wordcount(lines, _users):
    return dict(lines.map(words_of).flatten().frequencies().compute()), sums_answer


def groupby(lines, _users):
    return dict(lines.foldby(route_of, add_bytes, 0, operator.add, 0).compute()), sums_answer


def distinct(lines, _users):
    return set(lines.map(user_of).distinct().compute()), keys_answer


# The join's user table, read once in each worker process and run: the broadcast of weft's join. The
# run's number is part of the key, so every run loads it again, as weft's and the readline loop's do.


@functools.lru_cache(maxsize=1)
def countries(path, _run):
    country_of = {}
    with open(path, encoding="utf-8") as table:
        for row in table:
            user, country = row.rstrip("\n").split(",")
            country_of[user] = country
    return country_of


def country_of_line(path, run, line):
    return countries(path, run)[user_of(line)]


RUNS = itertools.count()


def join(lines, users):
    """A broadcast hash join, as weft does it: each worker loads the table, then sums per country."""
    key = functools.partial(country_of_line, users, next(RUNS))
    return dict(lines.foldby(key, add_bytes, 0, operator.add, 0).compute()), sums_answer


WORKLOADS = {"wordcount": wordcount, "groupby": groupby, "distinct": distinct, "join": join}


# Peak RSS per run, from /proc as bench/data/memory.ts reads it.


def status_bytes(pid, field):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss(pid):
    return status_bytes(pid, "VmHWM")


def current_rss(pid):
    return status_bytes(pid, "VmRSS")


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True)
    parser.add_argument("--users", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocksize", type=int, default=64 * 2**20)
    args = parser.parse_args()

    # As dask does for the pools it starts itself: the same string hashes in every worker.
    os.environ.setdefault("PYTHONHASHSEED", "6640")
    pool = multiprocessing.get_context("spawn").Pool(args.workers)
    dask.config.set(scheduler="processes", pool=pool)
    lines = db.read_text(args.log, blocksize=args.blocksize, encoding="utf-8")

    def reply(message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    reply(
        {
            "ready": True,
            "dask": dask.__version__,
            "python": sys.version.split()[0],
            "scheduler": "processes (multiprocessing, spawn context, a warm pool passed as pool=)",
            "workers": args.workers,
            "blocksize": args.blocksize,
            "partitions": lines.npartitions,
        }
    )
    try:
        for request_line in sys.stdin:
            request = json.loads(request_line)
            if request.get("close"):
                break
            try:
                workers = [p.pid for p in pool._pool]  # pylint: disable=protected-access
                gc.collect()
                before = [current_rss(pid) for pid in workers]
                per_run = all([reset_peak("self")] + [reset_peak(pid) for pid in workers])
                started = time.perf_counter()
                files = request.get("files")
                if files:
                    run_lines = db.read_text(files["log"], blocksize=args.blocksize, encoding="utf-8")
                    result, answer_of = WORKLOADS[request["workload"]](run_lines, files["users"])
                else:
                    result, answer_of = WORKLOADS[request["workload"]](lines, args.users)
                ms = (time.perf_counter() - started) * 1000
                reply(
                    {
                        "ms": ms,
                        "answer": answer_of(result),
                        "callerPeakBytes": peak_rss("self"),
                        "workerPeakBytes": [b for b in (peak_rss(pid) for pid in workers) if b is not None],
                        "workerGrowthBytes": [
                            peak - start
                            for peak, start in zip((peak_rss(pid) for pid in workers), before)
                            if peak is not None and start is not None
                        ],
                        "perRun": per_run,
                    }
                )
            except Exception as error:  # pylint: disable=broad-except
                reply({"error": f"{type(error).__name__}: {error}"})
    finally:
        pool.terminate()
        pool.join()


if __name__ == "__main__":
    main()
