"""RQ job functions. Each takes ids, calls services, commits, and is safe to run twice."""
