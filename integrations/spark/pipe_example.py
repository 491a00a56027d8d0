"""A Spark job that runs a weft task on every record, through RDD.pipe and `weft pipe`.

Run it where Spark is installed, from a folder with weft installed (npm install weft) and the task
module below saved as tasks.mjs on every Spark worker's machine, at the same path:

    // tasks.mjs
    import { task } from "weft";
    export const score = task(import.meta.url, (record) => ({ id: record.id, score: record.text.length }));

    spark-submit pipe_example.py

Spark writes each partition's records to the command's standard input, one a line, closes it at the
partition's end, and reads one line a result: the contract `weft pipe` keeps (tested in weft's
test/interop/pipe.test.ts by driving it the same way; Spark itself cannot be installed there).
"""

import json

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("weft-pipe").getOrCreate()
records = spark.sparkContext.parallelize(
    [{"id": i, "text": "x" * (i % 50)} for i in range(10_000)], numSlices=8
)
scored = (
    records.map(json.dumps)
    .pipe("npx --no-install weft pipe tasks.mjs score --json --workers 2")
    .map(json.loads)
)
print(scored.take(3))
spark.stop()
