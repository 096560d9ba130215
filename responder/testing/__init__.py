"""Helpers shared by the tests and the benchmarks (bench/): factories, approved replies
made the way users make them, a generated analytics history, real worker processes
(chaos), wait_for. Not imported by the app."""
