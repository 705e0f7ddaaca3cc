//! Size caps on what docflow downloads: [`read_capped`] reads a response body and stops with
//! a clear error past a limit, so a hostile or broken server cannot make the runner or the
//! mock hold hundreds of megabytes.

/// Largest response body the runner reads (a how-to's answers are a few kilobytes).
pub const RESPONSE_LIMIT: usize = 16 * 1024 * 1024;

/// Largest document the mock's gateway fetches from an identity provider (discovery, JWKS,
/// token and introspection answers).
pub const PROVIDER_DOCUMENT_LIMIT: usize = 1024 * 1024;

/// A body was larger than its cap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the response body is larger than the {limit}-byte limit")]
pub struct TooLarge {
    /// The cap, in bytes.
    pub limit: usize,
}

/// Why a capped read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Past the cap.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// Reads `response`'s body, failing as soon as it exceeds `limit` bytes (a `Content-Length`
/// over the cap fails before anything is read).
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(TooLarge { limit }.into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(TooLarge { limit }.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Largest file docflow reads as text (a scenario, a doc page or include).
pub const FILE_LIMIT: u64 = 4 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not a regular file (a device, a FIFO, a directory).
    #[error("not a regular file")]
    NotRegular,
    /// Larger than [`FILE_LIMIT`].
    #[error("larger than the {limit}-byte limit")]
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
    /// Not UTF-8: the line and column of the first invalid byte.
    #[error("invalid UTF-8 at {line}:{column}")]
    InvalidUtf8 {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
    },
    /// The file system refused.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FileError {
    /// Whether the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Reads a regular file of at most [`FILE_LIMIT`] bytes as UTF-8 text; `/dev/zero`, a FIFO
/// or a huge file is an error before anything large is read, and invalid UTF-8 names its
/// line and column.
pub fn read_text_file(path: &std::path::Path) -> Result<String, FileError> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileError::NotRegular);
    }
    if meta.len() > FILE_LIMIT {
        return Err(FileError::TooLarge { limit: FILE_LIMIT });
    }
    let mut bytes = Vec::new();
    // `take` guards against a file that grows while it is read.
    file.take(FILE_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(FileError::TooLarge { limit: FILE_LIMIT });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let column = valid
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        FileError::InvalidUtf8 { line, column }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_invalid_utf8_are_clear_errors() {
        let err = read_text_file(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, FileError::NotRegular), "{err}");
        let dir = std::env::temp_dir().join(format!("docflow-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.txt");
        std::fs::write(&bad, b"ok\nab\xffc").unwrap();
        let err = read_text_file(&bad).unwrap_err();
        assert_eq!(err.to_string(), "invalid UTF-8 at 2:3");
        let big = dir.join("big.txt");
        std::fs::write(&big, vec![b'a'; FILE_LIMIT as usize + 1]).unwrap();
        assert!(matches!(
            read_text_file(&big),
            Err(FileError::TooLarge { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
