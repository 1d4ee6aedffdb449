from tests.posts.helpers import world

__all__ = ["world"]
