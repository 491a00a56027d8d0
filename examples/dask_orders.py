"""The Dask half of examples/spark-dask.ts: reads the orders weft wrote (JSON lines under Hive-style
region=... folders), runs weft's orderTotal task on each partition through
integrations/python/weft_dask.py, and writes the totals as JSON lines with Dask's to_textfiles.

usage: python3 dask_orders.py <orders dir> <totals dir> <weft command as JSON>
"""

import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integrations", "python"))

import dask.bag as db  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402
from weft_dask import map_partitions  # noqa: E402


def with_region(line_and_path):
    """A record of the dataset, with the field weft wrote as its folder (region=north) put back."""
    line, path = line_and_path
    record = json.loads(line)
    folder = os.path.basename(os.path.dirname(path))
    key, _, value = folder.partition("=")
    record[key] = value
    return record


if __name__ == "__main__":
    orders_dir, totals_dir, command = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, Client(cluster):
        orders = db.read_text(os.path.join(orders_dir, "region=*", "part-*.ndjson"), include_path=True)
        # One weft pipe per partition, each on all of its machine's cores: a few large partitions.
        records = orders.map(with_region).repartition(npartitions=4)
        totals = map_partitions(records, os.path.join(here, "order-tasks.ts"), "orderTotal", workers=2, command=command)
        totals.map(json.dumps).to_textfiles(os.path.join(totals_dir, "*.ndjson"))
        print(f"dask: {records.count().compute()} orders read, totals written by weft's task")
