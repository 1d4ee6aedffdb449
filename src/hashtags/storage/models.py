"""Every domain's models, imported so that ``metadata`` knows all tables (for Alembic)."""

from __future__ import annotations

from hashtags.accounts import models as accounts_models
from hashtags.approvals import models as approvals_models  # noqa: F401
from hashtags.audit import models as audit_models
from hashtags.crisis import models as crisis_models  # noqa: F401
from hashtags.people import models as people_models
from hashtags.policy import models as policy_models  # noqa: F401
from hashtags.posts import models as posts_models
from hashtags.publishing import models as publishing_models  # noqa: F401
from hashtags.storage.db import Base

metadata = Base.metadata
__all__ = ["accounts_models", "audit_models", "metadata", "people_models", "posts_models"]
