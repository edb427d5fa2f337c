"""The GitHub Action's helpers: the PR comment that shows the plan, updated in place."""

from .comment import CommentError, upsert_comment

__all__ = ["CommentError", "upsert_comment"]
