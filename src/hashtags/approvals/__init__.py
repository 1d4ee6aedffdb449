"""Approvals: the chain of people who must say yes before a post goes out."""
