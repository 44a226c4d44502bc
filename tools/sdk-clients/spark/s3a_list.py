"""Lists s3a://BUCKET/ through a local PySpark session's Hadoop FileSystem, as a notebook user
reads S3 from Spark. Test bench only.

Usage: python s3a_list.py BUCKET JAR_DIR. S3A reads no AWS_ENDPOINT_URL, so only the endpoint
(and path-style access, which a custom endpoint needs) is configured here; credentials are
S3A's own default chain: they are what the tests measure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession

bucket, jar_dir = sys.argv[1], Path(sys.argv[2])
spark = (
    SparkSession.builder.master("local[1]")
    # On the driver's classpath, not spark.jars, which would copy the 560 MB SDK bundle.
    .config("spark.driver.extraClassPath", f"{jar_dir}/*")
    .config("spark.ui.enabled", "false")
    # A short session: the JIT's first tier and the serial collector take 15 -> 9 CPU s.
    .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    .config("spark.hadoop.fs.s3a.endpoint", os.environ["AWS_ENDPOINT_URL"])
    .config("spark.hadoop.fs.s3a.endpoint.region", os.environ["AWS_DEFAULT_REGION"])
    .config("spark.hadoop.fs.s3a.path.style.access", "true")
    .getOrCreate()
)
try:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(f"s3a://{bucket}/")
    listing = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).listStatus(path)
    print(len(listing))
finally:
    spark.stop()
