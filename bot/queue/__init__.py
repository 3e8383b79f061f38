"""The LKBH consultants' queue: pure helpers (clock, office hours, texts) used by the handlers."""
