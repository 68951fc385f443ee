"""Benchmark the ingest's GIL switch interval: the whole service at CPython's default and at ours.

    .venv/bin/python bench/gil_switch.py [--photos 8] [--rounds 8] [--intervals-ms 5,1] [--workers 1,2]
                                         [--storage filesystem,s3] [--prefault-gb 4]

While a job runs, `uploads.ingest` sets CPython's thread switch interval to
`uploads.ingest_files.RENDER_SWITCH_SECONDS`: a render thread that gave the GIL up around a C call (decode,
resize, encode) waits up to one interval to take it back while the storing threads run Python (boto3 on S3).
This runs the same ZIP through the whole service (`bench/ingest.py`'s `ingest_zip`: intake and job) for each
storage, `UPLOAD_WORKERS` count and interval, in interleaved rounds (each round runs every contender once, in
a rotating order), and prints the median wall time of intake + job with its ratio to the default interval's
(5 ms) and to the filesystem's at the same interval and count. SeaweedFS, for `s3`, runs on the same cores.
"""

import argparse
import contextlib
import statistics
import tempfile
from pathlib import Path

import ingest as bench  # bench/ingest.py, beside this script

DEFAULT_MS = 5.0  # CPython's own switch interval (sys.getswitchinterval() in a fresh interpreter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--intervals-ms", default="5,1", help="comma-separated switch intervals, in ms")
    parser.add_argument("--workers", default="1,2", help="comma-separated UPLOAD_WORKERS counts")
    parser.add_argument("--storage", default="filesystem,s3", help="comma-separated: filesystem, s3")
    parser.add_argument("--seaweedfs-ports-from", type=int, default=18420, help="8 ports from this one")
    parser.add_argument("--prefault-gb", type=float, default=4, help="memory to touch first (0: none)")
    args = parser.parse_args()
    intervals = [float(value) for value in args.intervals_ms.split(",")]
    workers = [int(count) for count in args.workers.split(",")]
    storages = args.storage.split(",")
    if unknown := set(storages) - set(bench.STORAGES):
        parser.error(f"unknown storage {', '.join(sorted(unknown))}")
    Path("/tmp/bench-ingest").mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="gil-", dir="/tmp/bench-ingest") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        if args.prefault_gb > 0:
            bench.memory_prefault(args.prefault_gb)
        if "s3" in storages:
            weed = bench.s3_start(workdir, args.seaweedfs_ports_from)  # puts the repository on sys.path
            from tests.seaweedfs import seaweedfs_stop

            stack.callback(seaweedfs_stop, weed)
        bench.django_setup(workdir, storages[0])
        from uploads import ingest as pipeline

        zip_path = bench.photos_zip(
            [bench.photo_like(seed) for seed in range(args.photos)], workdir / "p.zip"
        )

        def contender(storage: str, count: int, interval_ms: float):
            def timed(round_index: int) -> float:
                pipeline.RENDER_SWITCH_SECONDS = interval_ms / 1000
                with bench.storage_switched(storage, workdir):
                    done = bench.ingest_zip(
                        zip_path, count, f"gil-{storage}-{count}-{interval_ms}-{round_index}"
                    )
                return done.intake + done.job

            return timed

        keys = [(storage, count, ms) for storage in storages for count in workers for ms in intervals]
        figures = bench.interleaved({key: contender(*key) for key in keys}, args.rounds)
    medians = {key: statistics.median(values) for key, values in figures.items()}
    baseline = DEFAULT_MS if DEFAULT_MS in intervals else intervals[0]
    print(
        f"\n| ZIP of {args.photos} photos, median of {args.rounds} rounds, {bench.load()} | switch interval "
        f"| intake + job s | range | × speed of {baseline:g} ms | photos/s ÷ {storages[0]}'s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for storage, count, ms in keys:
        values, median = figures[(storage, count, ms)], medians[(storage, count, ms)]
        print(
            f"| {storage}, UPLOAD_WORKERS={count} | {ms:g} ms | {median:.2f} "
            f"| {min(values):.2f}–{max(values):.2f} "
            f"| {medians[(storage, count, baseline)] / median:.2f}× "
            f"| {medians[(storages[0], count, ms)] / median:.2f}× |"
        )


if __name__ == "__main__":
    main()
