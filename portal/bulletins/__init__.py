"""Bulletins: best practices, algorithm updates and policies, read and acknowledged by people."""
