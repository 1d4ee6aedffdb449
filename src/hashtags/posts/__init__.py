"""Posts: drafts reviewed by the policy, approved, scheduled, published and archived."""
