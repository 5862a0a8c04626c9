"""`dutyflow bench`: Dutyflow's throughput and latency against a bare-Temporal baseline measured
in the same run, on the same server, plus compliance queries at scale on PostgreSQL."""
