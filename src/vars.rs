//! Variables: sources and precedence, shell-safe substitution, which are secret.
// OWNER: runtime helper. Stub until implemented.
