//! The guided session on a terminal: the inquire Prompter, the playbook picker,
//! status-update reminders.

pub mod edit;
pub mod picker;
pub mod prompter;
pub mod reminders;
pub mod status;
pub mod view;

pub use picker::{pick_playbook, pick_playbook_with};
pub use prompter::{set_color, GuidedPrompter};
pub use view::Paint;
