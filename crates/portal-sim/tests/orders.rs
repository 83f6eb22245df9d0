//! The upload API (`/api/gusmev/…`).
