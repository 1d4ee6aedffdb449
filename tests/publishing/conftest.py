from tests.support.fake_bluesky import fake_bluesky
from tests.support.fake_mastodon import fake_mastodon

__all__ = ["fake_bluesky", "fake_mastodon"]
