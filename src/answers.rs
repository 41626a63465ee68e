//! `--answers FILE` (YAML) and `--yes`: the unattended Prompter.
// OWNER: interpreter helper. Stub until implemented.
