"""The benchmark harness behind bench/run: runs the tools, measures them and
writes the results (JSON) and docs/performance.md."""
