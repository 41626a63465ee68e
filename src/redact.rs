//! Secret redaction before anything reaches a file or the screen.
// OWNER: record helper. Stub until implemented.
