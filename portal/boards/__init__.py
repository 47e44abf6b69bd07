"""Brainstorming boards: prompts, ideas, votes, comments and live sessions."""
