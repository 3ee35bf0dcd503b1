"""Accounts: the custom user (email login), the learner's profile and reminder preferences."""
