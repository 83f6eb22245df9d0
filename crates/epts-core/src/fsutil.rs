//! Writing files so that a crash leaves the old file or the new one, never half of either.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temp file in the same folder, fsync, rename over
/// the target, fsync the folder (so the rename itself survives a power cut).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Makes renames and removals in `dir` durable on Unix; on Windows directories cannot be
/// opened for syncing and `MoveFileEx` is durable on its own.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temp_files() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a/b.bin");
        write_atomic(&path, b"first version, longer")?;
        write_atomic(&path, b"second")?;
        assert_eq!(fs::read(&path)?, b"second");
        assert_eq!(
            fs::read_dir(dir.path().join("a"))?.count(),
            1,
            "no temp file left"
        );
        Ok(())
    }
}
