"""Run a weft task inside a Dask job: each partition of a bag goes through `weft pipe` as JSON lines.

    import dask.bag as db
    from weft_dask import map_partitions

    bag = db.from_sequence(range(1000), npartitions=4)
    squares = map_partitions(bag, "tasks.ts", "square").compute()

Every partition starts one `weft pipe` process on the Dask worker that holds it, which runs the
partition's records on that machine's cores, in order, and the results come back as a partition of
the new bag. The task module must be on every Dask worker's machine, at the path given (or relative
to the worker's working directory), with weft installed beside it (`npx weft` finds it).
"""

import json
import subprocess


def map_partitions(bag, module, task, workers=None, command=("npx", "--no-install", "weft")):
    """A bag of `task(record)` for every record of `bag`, in order, computed by `weft pipe`.

    Records and results travel as JSON: numbers, strings, booleans, None, lists and dicts.
    `workers`: weft's workers per partition (default: one per core of the Dask worker's machine).
    `command`: how to start weft, e.g. ("node", "/path/to/weft/bin/weft.js").
    A failing record fails the partition with weft's message, which names the record's line.
    """
    args = [*command, "pipe", module, task, "--json"]
    if workers is not None:
        args += ["--workers", str(workers)]

    def run(partition):
        lines = "".join(json.dumps(record) + "\n" for record in partition)
        done = subprocess.run(args, input=lines, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"weft pipe {module} {task} failed: {done.stderr.strip()}")
        return [json.loads(line) for line in done.stdout.splitlines()]

    return bag.map_partitions(run)
