"""Insights: dashboards, KPI goals, behaviour segments, exports and personal data.

Dashboards never read the raw event tables: a job rolls the activity log,
quiz attempts and bulletin acknowledgements up into small daily tables
(`rollups.py`), and `metrics.py` answers every figure from those.
"""
