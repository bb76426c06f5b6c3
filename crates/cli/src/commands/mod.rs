//! One module per subcommand.

pub mod audit;
pub mod ca;
pub mod dev;
pub mod init;
pub mod pdf;
pub mod serve;
pub mod verify;
