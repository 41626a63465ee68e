//! Running one command: real shell, own process group, timeout, tee and bounded capture.
// OWNER: runtime helper. Stub until implemented.
