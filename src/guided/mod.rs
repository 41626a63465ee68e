//! The guided session on a terminal: the inquire Prompter, playbook picker, reminders.
// OWNER: guided-session helper. Stub until implemented.
