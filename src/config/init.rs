//! `cairn init` as one call: write the built-in schema to
//! `.cairn/config.yaml` and create the record folders. Never overwrites.

use std::path::Path;

use serde::Serialize;

use super::{BUILTIN, CONFIG_PATH, builtin, find_root};
use crate::project::Error;
use crate::write::create_new;

/// What `cairn init` created.
#[derive(Clone, Debug, Serialize)]
pub struct Initialized {
    /// The files and folders created (folders end in `/`), in order.
    pub created: Vec<String>,
}

/// Starts a project in the workspace `cwd` lies in: the configuration
/// file, then each kind's folder that does not exist yet. An existing
/// configuration is refused.
pub fn init(cwd: &Path) -> Result<Initialized, Error> {
    let root = find_root(cwd);
    let path = root.join(CONFIG_PATH);
    if path.exists() {
        return Err(Error::Refused(format!(
            "`{}` already exists; cairn init never overwrites it (edit it, or delete it first to start again)",
            path.display()
        )));
    }
    let create_dir = |dir: &Path| {
        std::fs::create_dir_all(dir)
            .map_err(|err| Error::io(format!("cannot create `{}`", dir.display()), err))
    };
    if let Some(dir) = path.parent() {
        create_dir(dir)?;
    }
    create_new(&path, BUILTIN.as_bytes())?;
    let mut created = vec![CONFIG_PATH.to_string()];
    for kind in &builtin().kinds {
        let folder = root.join(&kind.dir);
        if !folder.is_dir() {
            create_dir(&folder)?;
            created.push(format!("{}/", kind.dir));
        }
    }
    Ok(Initialized { created })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_the_builtin_file_and_folders_once() {
        let dir = tempfile::tempdir().unwrap();
        let done = init(dir.path()).unwrap();
        assert_eq!(done.created[0], CONFIG_PATH);
        assert!(done.created.contains(&"research/decisions/".to_string()));
        let written = std::fs::read_to_string(dir.path().join(CONFIG_PATH)).unwrap();
        assert_eq!(written, BUILTIN);
        let again = init(dir.path()).unwrap_err().to_string();
        assert!(
            again.contains("already exists; cairn init never overwrites it"),
            "{again}"
        );
    }
}
