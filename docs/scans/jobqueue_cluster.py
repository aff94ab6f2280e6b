"""A Dask cluster on SLURM or PBS for `certify scan --scheduler` (needs the extra: pip install '.[jobqueue]').

Run it on the login node and leave it running; it prints the scheduler's
address, and stops the cluster (cancelling its jobs) on Ctrl-C. Each batch job
starts --cores single-threaded worker processes, one cell each at a time.

    python3 docs/scans/jobqueue_cluster.py --system slurm --jobs 10 --cores 8 --memory 16GB --walltime 02:00:00
    certify scan docs/scans/advantage.toml --scheduler ADDRESS --out scan-advantage

Queue, account and other site options: --extra 'account=myproject' (repeatable),
passed to SLURMCluster/PBSCluster as keyword arguments (see https://jobqueue.dask.org).
"""

import argparse
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", choices=["slurm", "pbs"], required=True)
    parser.add_argument("--jobs", type=int, default=1, help="batch jobs to start")
    parser.add_argument("--cores", type=int, default=8, help="cores (and worker processes) per job")
    parser.add_argument("--memory", default="16GB", help="memory per job")
    parser.add_argument("--walltime", default="02:00:00")
    parser.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                        help="another keyword argument of the cluster class (queue=..., account=...)")
    args = parser.parse_args()
    from dask_jobqueue import PBSCluster, SLURMCluster

    extra = dict(item.split("=", 1) for item in args.extra)
    kind = SLURMCluster if args.system == "slurm" else PBSCluster
    cluster = kind(cores=args.cores, processes=args.cores, memory=args.memory, walltime=args.walltime, **extra)
    cluster.scale(jobs=args.jobs)
    print(f"scheduler: {cluster.scheduler_address}  (certify scan SCAN.toml --scheduler {cluster.scheduler_address})",
          flush=True)
    try:
        while True:
            time.sleep(60)
    except KeyboardInterrupt:
        cluster.close()


if __name__ == "__main__":
    main()
