-- Dutyflow's own database, separate from Temporal's (temporal, temporal_visibility).
CREATE DATABASE dutyflow;
CREATE DATABASE dutyflow_intake;
CREATE DATABASE dutyflow_keys;
